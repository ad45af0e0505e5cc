"""Reassembly without moving bytes: S3 joins fragmented-MP4 segments, against today's join.

The processed segments of a job are written as fragmented MP4 (moof+mdat fragments after one
init segment that is the same, byte for byte, in every segment of the job), so a byte
concatenation of segment 0 and the fragments of the others is a valid MP4. On the embedded
moto S3, from the same segments, each --repeats times:

    (a) today        download the N segments (8 at a time), `vidpipe_ffmpeg.concat` (stream
                     copy), upload final.mp4: bytes through the worker = downloads + upload
    (b) part copies  CreateMultipartUpload, one UploadPartCopy per segment (a byte range past
                     its init for all but segment 0), CompleteMultipartUpload: no byte through
                     the worker, as long as every part but the last is >= 5 MiB; runs of
                     smaller segments are grouped into one part, which must be downloaded
                     (ranged GETs) and uploaded (UploadPart): those bytes are counted
    (c) playlist     an HLS playlist (EXT-X-MAP on segment 0's init, one EXTINF and byte range
                     per segment's fragments) as one PutObject

(b)'s result is then checked: frame-exact against the source (vidpipe_testkit.frames), decoded
by ffmpeg without an error, its ffprobe duration; (c) is decoded and compared the same way
through ffmpeg's HLS demuxer; unless --no-browser (or when no Chromium is found), a
headless Chromium loads (b)'s file into a <video> from a loopback http.server and reports its
readyState and duration.

How the segments are written (what a video-worker would run on its own segment, which keeps
the source's timestamps): `ffmpeg -copyts -i seg.mp4 ... -avoid_negative_ts disabled
-write_btrt 0 -b:v 0 -b:a 0 -f mp4 -movflags
+frag_keyframe+delay_moov+default_base_moof+skip_trailer+frag_discont`: frag_discont makes each
track's first tfdt its first packet's source time (continuous across segments), delay_moov
writes the B-frame edit list, and the bit-rate fields (btrt, esds), which differ from segment
to segment, are left out. Two facts ffmpeg cannot put there are patched into each init with the
values the chunker knows from its probe of the upload: the total duration (an mehd box; without
it a browser takes the first fragment's length as the duration) and the audio priming (the
audio track's edit starts after the encoder delay, and its tfdts move by as much so that none
is negative). Passthrough copies the split's segments; grayscale re-encodes each segment on
its own (libx264 with fixed settings, `format=gray`), so the shared init holds only if every
worker's encoder writes the same SPS/PPS (avcC): the bench compares every segment's init.

The source is generated: testsrc2 1280x720 25 fps, a keyframe every 2 s, 5 Mbit/s CBR video
with two B-frames, AAC audio. The default run (300 s at T = 2 s and 10 s, grayscale on 30 s)
took about 7 minutes on a loaded 2-core machine; --quick (60 s) about one.

    .venvs/cli/bin/python bench/bench_reassembly_copy.py [--seconds 300]
        [--segment-seconds 2 10] [--repeats 3] [--grayscale-seconds 30] [--quick]
        [--no-browser]
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import shutil
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from vidpipe_aws.local_aws import EmbeddedAws
from vidpipe_ffmpeg import concat, split
from vidpipe_testkit.frames import compare_frames, frame_facts

BUCKET = "bench-reassembly"
MIN_PART = 5 * 2**20  # S3: every part of a multipart upload but the last
PARALLEL = 8  # the media-worker's PARALLEL_STEPS
TRANSFER = TransferConfig(multipart_threshold=16 * 2**20, multipart_chunksize=8 * 2**20)
FRAGMENT_FLAGS = "+frag_keyframe+delay_moov+default_base_moof+skip_trailer+frag_discont"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"edts", b"moof", b"traf"}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *args], check=True)


def ffprobe_json(path: Path, *args: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *args, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def make_input(path: Path, seconds: float) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds:g}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds:g}",
        "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "50", "-keyint_min", "50",
        "-sc_threshold", "0", "-b:v", "5M", "-minrate", "5M", "-maxrate", "5M", "-bufsize", "5M",
        "-x264-params", "nal-hrd=cbr", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        "-movflags", "+faststart", str(path),
    )  # fmt: skip
    return path


# MP4 boxes -------------------------------------------------------------------------------------


def boxes(data: bytes | bytearray, start: int = 0, end: int | None = None):
    """(type, offset, size, header length) of each box in data[start:end]."""
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        yield kind, at, size, header
        at += size


def child(data: bytes | bytearray, parent: tuple, kind: bytes) -> list[tuple]:
    _, offset, size, header = parent
    return [b for b in boxes(data, offset + header, offset + size) if b[0] == kind]


def init_length(data: bytes | bytearray) -> int:
    """Bytes before the first moof: ftyp + moov, the init segment."""
    return next(offset for kind, offset, _, _ in boxes(data) if kind == b"moof")


def track_kinds(data: bytes | bytearray) -> dict[int, bytes]:
    """track_ID -> handler type (b"vide", b"soun") from the moov."""
    moov = next(b for b in boxes(data) if b[0] == b"moov")
    kinds = {}
    for trak in child(data, moov, b"trak"):
        tkhd = child(data, trak, b"tkhd")[0]
        version = data[tkhd[1] + 8]
        track_id = struct.unpack_from(">I", data, tkhd[1] + (28 if version else 20))[0]
        hdlr = child(data, child(data, trak, b"mdia")[0], b"hdlr")[0]
        kinds[track_id] = bytes(data[hdlr[1] + 16 : hdlr[1] + 20])
    return kinds


def patch_segment(data: bytes, duration_ms: int, audio_delay: int) -> bytes:
    """The two facts ffmpeg cannot write into a fragment's init: the job's duration (an mehd
    in mvex) and the audio priming (the audio edit starts ``audio_delay`` ticks in, and every
    audio tfdt moves by as much)."""
    out = bytearray(data)
    kinds = track_kinds(out)
    audio = {t for t, k in kinds.items() if k == b"soun"}
    moov = next(b for b in boxes(out) if b[0] == b"moov")
    for trak in child(out, moov, b"trak"):
        tkhd = child(out, trak, b"tkhd")[0]
        track_id = struct.unpack_from(">I", out, tkhd[1] + (28 if out[tkhd[1] + 8] else 20))[0]
        if track_id in audio and audio_delay:
            for edts in child(out, trak, b"edts"):
                elst = child(out, edts, b"elst")[0]
                assert out[elst[1] + 8] == 0, "elst version 1 not handled"
                struct.pack_into(">i", out, elst[1] + 20, audio_delay)  # first entry media_time
    for moof in [b for b in boxes(out) if b[0] == b"moof"]:
        for traf in child(out, moof, b"traf"):
            tfhd = child(out, traf, b"tfhd")[0]
            if struct.unpack_from(">I", out, tfhd[1] + 12)[0] not in audio:
                continue
            tfdt = child(out, traf, b"tfdt")[0]
            assert out[tfdt[1] + 8] == 1, "tfdt version 0 not handled"
            value = struct.unpack_from(">q", out, tfdt[1] + 12)[0] + audio_delay
            assert value >= 0
            struct.pack_into(">Q", out, tfdt[1] + 12, value)
    # mehd (version 1, 64-bit fragment_duration in the movie timescale) at the top of mvex.
    mvex = child(out, moov, b"mvex")[0]
    mehd = struct.pack(">I4sIQ", 20, b"mehd", 1 << 24, duration_ms)
    at = mvex[1] + mvex[3]
    out[at:at] = mehd
    for box in (moov, mvex):
        struct.pack_into(">I", out, box[1], box[2] + len(mehd))
    return bytes(out)


# Segments ---------------------------------------------------------------------------------------


@dataclass
class Segment:
    """What a completion record would carry: the objects, their sizes, the init's length."""

    mp4: Path  # today's segment (a regular MP4)
    fmp4: Path  # the fragmented one
    duration: float
    size: int
    init: int
    init_sha: str


def source_facts(source: Path) -> tuple[int, int]:
    """(total duration in ms rounded up, audio priming in audio ticks)."""
    info = ffprobe_json(source, "-show_format")
    # The first audio packet, priming included (its edit list hides it from start_pts).
    first = ffprobe_json(
        source, "-select_streams", "a:0", "-read_intervals", "%+#1", "-show_entries", "packet=pts"
    ).get("packets", [])
    delay = max(0, -int(first[0]["pts"])) if first else 0
    return int(-(-float(info["format"]["duration"]) * 1000 // 1)), delay


def write_segments(source: Path, t: float, work: Path, mode: str) -> tuple[list[Segment], float]:
    """Split by stream copy; each segment processed on its own into a fragmented MP4 (and, for
    (a), the same packets as a regular MP4). Returns the segments and the processing time."""
    duration_ms, delay = source_facts(source)
    result = split(source, work / "split", t, strategy="copy", verify_decoding=False)
    (work / "fmp4").mkdir()
    (work / "mp4").mkdir()
    fragment = [
        "-avoid_negative_ts", "disabled", "-write_btrt", "0", "-b:a", "0", "-map_metadata", "-1",
        "-map_chapters", "-1", "-f", "mp4", "-movflags", FRAGMENT_FLAGS,
    ]  # fmt: skip
    if mode == "passthrough":
        video = ["-c:v", "copy", "-b:v", "0"]
    else:  # every worker runs the same fixed encoder settings
        video = ["-vf", "format=gray", *X264, "-fps_mode", "passthrough", "-enc_time_base", "-1"]

    def process(seg) -> Segment:
        name = f"{seg.index:05d}.mp4"
        raw = work / "fmp4" / f"raw-{name}"
        ffmpeg("-copyts", "-i", str(seg.path), "-map", "0:v:0", "-map", "0:a:0?", *video,
               "-c:a", "copy", *fragment, str(raw))  # fmt: skip
        data = patch_segment(raw.read_bytes(), duration_ms, delay)
        raw.unlink()
        fmp4 = work / "fmp4" / name
        fmp4.write_bytes(data)
        mp4 = work / "mp4" / name
        if mode == "passthrough":
            shutil.copyfile(seg.path, mp4)
        else:  # the same packets as today's worker would write them
            ffmpeg("-copyts", "-i", str(fmp4), "-map", "0", "-c", "copy", "-avoid_negative_ts",
                   "disabled", "-movie_timescale", "1128960000", "-movflags", "+faststart",
                   str(mp4))  # fmt: skip
        init = init_length(data)
        return Segment(mp4, fmp4, seg.duration, len(data), init,
                       hashlib.sha256(data[:init]).hexdigest())  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        segments = list(pool.map(process, result.segments))
    return segments, time.perf_counter() - started


# The three ways -------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    requests: Counter
    moved: int
    note: str = ""


class Counted:
    """An S3 client whose calls are counted by operation."""

    def __init__(self, endpoint: str) -> None:
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="bench", aws_secret_access_key="bench",
            config=Config(max_pool_connections=PARALLEL * 2),
        )  # fmt: skip
        self.calls: Counter = Counter()
        self.client.meta.events.register("before-call.s3", self._count)

    def _count(self, model, **_) -> None:  # noqa: ANN001
        self.calls[model.name] += 1

    def take(self) -> Counter:
        calls, self.calls = self.calls, Counter()
        return calls


def today(s3: Counted, keys: Sequence[str], out_key: str, work: Path) -> Run:
    s3.take()
    started = time.perf_counter()
    folder = work / "download"
    folder.mkdir()
    paths = [folder / f"{i:05d}.mp4" for i in range(len(keys))]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        list(pool.map(lambda kp: s3.client.download_file(BUCKET, kp[0], str(kp[1])),
                      zip(keys, paths, strict=True)))  # fmt: skip
    final = work / "final.mp4"
    concat(paths, final)
    s3.client.upload_file(str(final), BUCKET, out_key, Config=TRANSFER)
    seconds = time.perf_counter() - started
    moved = sum(p.stat().st_size for p in paths) + final.stat().st_size
    shutil.rmtree(folder)
    final.unlink()
    return Run(seconds, s3.take(), moved)


def plan_parts(segments: Sequence[Segment]) -> list[list[tuple[int, int, int]]]:
    """Parts as runs of (segment index, first byte, last byte): segment 0 whole, the others
    past their init; consecutive ranges grouped until a part reaches MIN_PART (the last part
    may be smaller)."""
    parts, current, size = [], [], 0
    for index, seg in enumerate(segments):
        first = 0 if index == 0 else seg.init
        current.append((index, first, seg.size - 1))
        size += seg.size - first
        if size >= MIN_PART:
            parts.append(current)
            current, size = [], 0
    if current:
        parts.append(current)
    return parts


def part_copies(s3: Counted, keys: Sequence[str], segments: Sequence[Segment], out_key: str) -> Run:
    s3.take()
    started = time.perf_counter()
    parts = plan_parts(segments)
    client = s3.client
    upload = client.create_multipart_upload(Bucket=BUCKET, Key=out_key, ContentType="video/mp4")
    upload_id = upload["UploadId"]
    moved = 0

    def one(numbered: tuple[int, list[tuple[int, int, int]]]) -> dict:
        nonlocal moved
        number, ranges = numbered
        if len(ranges) == 1:
            index, first, last = ranges[0]
            answer = client.upload_part_copy(
                Bucket=BUCKET, Key=out_key, UploadId=upload_id, PartNumber=number,
                CopySource={"Bucket": BUCKET, "Key": keys[index]},
                CopySourceRange=f"bytes={first}-{last}",
            )  # fmt: skip
            return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}
        body = b"".join(
            client.get_object(Bucket=BUCKET, Key=keys[i], Range=f"bytes={a}-{b}")["Body"].read()
            for i, a, b in ranges
        )
        moved += 2 * len(body)
        answer = client.upload_part(
            Bucket=BUCKET, Key=out_key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        done = list(pool.map(one, enumerate(parts, start=1)))
    client.complete_multipart_upload(
        Bucket=BUCKET, Key=out_key, UploadId=upload_id, MultipartUpload={"Parts": done}
    )
    seconds = time.perf_counter() - started
    copied = sum(1 for p in parts if len(p) == 1)
    note = f"{len(parts)} parts: {copied} copied, {len(parts) - copied} uploaded"
    return Run(seconds, s3.take(), moved, note)


def playlist_text(keys: Sequence[str], segments: Sequence[Segment], prefix: str) -> str:
    target = max(int(-(-s.duration // 1)) for s in segments)
    init = segments[0].init
    lines = [
        "#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-MAP:URI="{keys[0].removeprefix(prefix)}",BYTERANGE="{init}@0"',
    ]  # fmt: skip
    for key, seg in zip(keys, segments, strict=True):
        lines += [
            f"#EXTINF:{seg.duration:.6f},",
            f"#EXT-X-BYTERANGE:{seg.size - seg.init}@{seg.init}",
            key.removeprefix(prefix),
        ]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def playlist(s3: Counted, keys: Sequence[str], segments: Sequence[Segment], prefix: str) -> Run:
    s3.take()
    started = time.perf_counter()
    text = playlist_text(keys, segments, prefix)
    s3.client.put_object(
        Bucket=BUCKET, Key=prefix + "final.m3u8", Body=text.encode(),
        ContentType="application/vnd.apple.mpegurl",
    )  # fmt: skip
    return Run(time.perf_counter() - started, s3.take(), 0)


# Checks ---------------------------------------------------------------------------------------


def moto_enforces_min_part(s3: Counted) -> str:
    """Complete an upload of two 1 KiB parts: moto answers as S3 does, or it does not."""
    client = s3.client
    client.put_object(Bucket=BUCKET, Key="probe/small", Body=b"x" * 1024)
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key="probe/out")["UploadId"]
    parts = []
    for number in (1, 2):
        answer = client.upload_part_copy(
            Bucket=BUCKET, Key="probe/out", UploadId=upload_id, PartNumber=number,
            CopySource={"Bucket": BUCKET, "Key": "probe/small"},
        )  # fmt: skip
        parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
    try:
        client.complete_multipart_upload(
            Bucket=BUCKET, Key="probe/out", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except client.exceptions.ClientError as exc:
        return f"yes ({exc.response['Error']['Code']} for a 1 KiB first part)"
    return "no (two 1 KiB parts completed)"


def decode_errors(path: Path) -> str:
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
         "-f", "null", "-"],
        capture_output=True, text=True,
    )  # fmt: skip
    return (out.stderr.strip() or ("" if out.returncode == 0 else f"exit {out.returncode}"))[:200]


def packet_times(path: Path) -> dict[str, list[float]]:
    """Every packet's presentation time by stream type, edit-list-discarded packets included."""
    info = ffprobe_json(
        path, "-show_entries", "stream=index,codec_type,time_base:packet=stream_index,pts"
    )
    kinds = {s["index"]: (s["codec_type"], s["time_base"]) for s in info["streams"]}
    times: dict[str, list[float]] = {}
    for packet in info["packets"]:
        kind, base = kinds[packet["stream_index"]]
        num, den = (int(x) for x in base.split("/"))
        times.setdefault(kind, []).append(int(packet["pts"]) * num / den)
    return {k: sorted(v) for k, v in times.items()}


def same_packet_times(source: Path, result: Path) -> bool:
    a, b = packet_times(source), packet_times(result)
    return a.keys() == b.keys() and all(
        len(a[k]) == len(b[k]) and all(abs(x - y) < 1e-4 for x, y in zip(a[k], b[k], strict=True))
        for k in a
    )


def check_result(source: Path, result: Path, encoding: str, *, decode: bool = True) -> list[str]:
    problems = compare_frames(source, result, encoding=encoding)  # type: ignore[arg-type]
    errors = decode_errors(result) if decode else ""
    if errors:
        problems.append(f"ffmpeg decode: {errors}")
    return problems


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def browser_check(chromium: str, video: Path, timeout: float = 45.0) -> str:
    """Load ``video`` into a <video> of a headless Chromium; the page reports back."""
    folder = video.parent
    (folder / "page.html").write_text(
        '<video id="v" src="' + video.name + '" muted preload="auto"></video><script>'
        "const v=document.getElementById('v');"
        "const r=w=>fetch('/report?'+new URLSearchParams({w,rs:v.readyState,d:v.duration,"
        "e:v.error?v.error.code+' '+v.error.message:''}));"
        "v.addEventListener('loadeddata',()=>r('loadeddata'));"
        "v.addEventListener('error',()=>r('error'));setTimeout(()=>r('timeout'),20000);"
        "</script>"
    )
    reports: list[dict] = []
    arrived = threading.Event()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k) -> None:  # noqa: ANN002, ANN003
            super().__init__(*a, directory=str(folder), **k)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/report?"):
                query = urllib.parse.parse_qs(self.path.split("?", 1)[1])
                reports.append({k: v[0] if v else "" for k, v in query.items()})
                arrived.set()
                self.send_response(204)
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda *_: None  # the page closing a media request mid-file
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    process = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={profile}", f"http://127.0.0.1:{server.server_port}/page.html"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        arrived.wait(timeout)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    if not reports:
        return "no report from the page"
    r = reports[0]
    return f"{r['w']}: readyState {r['rs']}, duration {float(r['d']):.3f} s" + (
        f", error {r['e']}" if r.get("e") else ""
    )


# Main -----------------------------------------------------------------------------------------


def stats(values: Sequence[float]) -> str:
    return f"{min(values):>8.3f} {statistics.median(values):>8.3f}"


def requests_text(calls: Counter) -> str:
    names = {
        "GetObject": "GET", "HeadObject": "HEAD", "PutObject": "PUT",
        "CreateMultipartUpload": "Create", "UploadPart": "Part", "UploadPartCopy": "PartCopy",
        "CompleteMultipartUpload": "Complete",
    }  # fmt: skip
    return " ".join(f"{names.get(k, k)} {v}" for k, v in sorted(calls.items()))


def measure(
    s3: Counted, source: Path, t: float, mode: str, repeats: int, work: Path,
    chromium: str | None, duration: float,
) -> None:  # fmt: skip
    segments, processing = write_segments(source, t, work, mode)
    n = len(segments)
    prefix = f"{mode}/t{t:g}/"
    keys = [f"{prefix}segments/{i:05d}.mp4" for i in range(n)]
    today_keys = [f"{prefix}today/{i:05d}.mp4" for i in range(n)]
    for seg, key, today_key in zip(segments, keys, today_keys, strict=True):
        s3.client.upload_file(str(seg.fmp4), BUCKET, key, Config=TRANSFER)
        s3.client.upload_file(str(seg.mp4), BUCKET, today_key, Config=TRANSFER)
    shared = len({s.init_sha for s in segments}) == 1
    sizes = [s.size for s in segments]
    total = sum(sizes)
    print(
        f"\n{mode}, {duration:g} s, T={t:g} s: {n} segments, {total / 2**20:.1f} MiB "
        f"(segment median {statistics.median(sizes) / 2**20:.2f} MiB, init {segments[0].init} B); "
        f"inits identical: {'yes' if shared else 'NO'}; processing {processing:.1f} s"
    )
    runs: dict[str, list[Run]] = {"a": [], "b": [], "c": []}
    for repeat in range(repeats):
        scratch = work / f"run-{repeat}"
        scratch.mkdir()
        runs["a"].append(today(s3, today_keys, prefix + "today-final.mp4", scratch))
        runs["b"].append(part_copies(s3, keys, segments, prefix + "final.mp4"))
        runs["c"].append(playlist(s3, keys, segments, prefix))
        shutil.rmtree(scratch)
    labels = {
        "a": "(a) today: download, concat, upload",
        "b": "(b) part copies (server-side)",
        "c": "(c) HLS playlist, one PUT",
    }
    print(f"  {'method':<38} {'min s':>8} {'median':>8} {'requests':>9} {'MiB moved':>10}  detail")
    for key, label in labels.items():
        last = runs[key][-1]
        print(
            f"  {label:<38} {stats([r.seconds for r in runs[key]])} "
            f"{sum(last.requests.values()):>9} {last.moved / 2**20:>10.1f}  "
            f"{requests_text(last.requests)}{'; ' + last.note if last.note else ''}"
        )
    # Check (b) and (c).
    check = work / "check"
    check.mkdir()
    final = check / "final.mp4"
    s3.client.download_file(BUCKET, prefix + "final.mp4", str(final))
    encoding = "same" if mode == "passthrough" else "h264-8bit"
    problems = compare_frames(source, final, encoding=encoding)  # type: ignore[arg-type]
    errors = decode_errors(final)
    facts = frame_facts(final)
    probed = float(ffprobe_json(final, "-show_format")["format"]["duration"])
    src_duration = float(ffprobe_json(source, "-show_format")["format"]["duration"])
    print(
        f"  (b) check: {'frame-exact' if not problems else 'NOT frame-exact'} "
        f"({facts.frames} frames), ffmpeg decodes "
        f"{'cleanly' if not errors else 'WITH ERRORS: ' + errors}, "
        f"ffprobe duration {probed:.3f} s (source {src_duration:.3f} s)"
    )
    for problem in problems[:4]:
        print(f"      {problem}")
    if mode == "passthrough":
        same = same_packet_times(source, final)
        print(f"  (b) every packet (video and audio, priming included) at its source time: {same}")
    hls = check / "hls"
    for seg, key in zip(segments, keys, strict=True):
        target = hls / key.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(seg.fmp4, target)
    (hls / "final.m3u8").write_text(playlist_text(keys, segments, prefix))
    hls_problems = check_result(source, hls / "final.m3u8", encoding, decode=False)
    verdict = "frame-exact" if not hls_problems else "NOT frame-exact"
    print(f"  (c) check (ffmpeg's HLS demuxer): {verdict}")
    for problem in hls_problems[:4]:
        print(f"      {problem}")
    if chromium:
        print(f"  (b) in Chromium's <video>: {browser_check(chromium, final)}")
    shutil.rmtree(check)
    shutil.rmtree(work / "fmp4")
    shutil.rmtree(work / "mp4")
    shutil.rmtree(work / "split")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--segment-seconds", type=float, nargs="+", default=[2.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--grayscale-seconds", type=float, default=30.0, help="0: no grayscale")
    parser.add_argument("--quick", action="store_true", help="60 s source, 2 repeats")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 60.0, min(args.repeats, 2)
    chromium = None if args.no_browser else find_chromium()
    aws = EmbeddedAws()
    endpoint = aws.start()
    try:
        s3 = Counted(endpoint)
        s3.client.create_bucket(Bucket=BUCKET)
        print(f"moto S3 on loopback, {os.cpu_count()} CPUs; min/median of {args.repeats} runs")
        print(f"moto enforces the 5 MiB part minimum: {moto_enforces_min_part(s3)}")
        if not chromium:
            print("no Chromium found (or --no-browser): the browser check is skipped")
        cases: list[tuple[str, float]] = [("passthrough", args.seconds)]
        if args.grayscale_seconds:
            cases.append(("grayscale", args.grayscale_seconds))
        with tempfile.TemporaryDirectory(prefix="bench-reassembly-") as tmp:
            for mode, seconds in cases:
                source = Path(tmp) / f"source-{seconds:g}.mp4"
                started = time.perf_counter()
                make_input(source, seconds)
                print(
                    f"\nsource: {seconds:g} s, {source.stat().st_size / 2**20:.1f} MiB, "
                    f"generated in {time.perf_counter() - started:.1f} s"
                )
                for t in args.segment_seconds:
                    work = Path(tmp) / f"{mode}-{t:g}"
                    work.mkdir()
                    measure(s3, source, t, mode, args.repeats, work, chromium, seconds)
                    shutil.rmtree(work)
    finally:
        aws.stop()


if __name__ == "__main__":
    main()
