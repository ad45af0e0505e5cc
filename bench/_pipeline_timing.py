"""Run a worker module with its ffmpeg/ffprobe runs and S3 transfers timed, for the benches.

``python -m vidpipe_cli._launch _pipeline_timing`` (with this folder on PYTHONPATH) runs the
module named by BENCH_TIMED_MODULE as ``__main__`` after wrapping, in this process only:
``vidpipe_ffmpeg``'s ``run_tool`` and ``FfmpegPipe`` (every ffmpeg/ffprobe process vidpipe
starts) and ``ObjectStorage.upload_file``/``download_file``; with BENCH_COUNT_AWS=1 also every
AWS API call (botocore's ``BaseClient._make_api_call``: ``kind`` "aws", ``what`` such as
"sqs:ReceiveMessage", with the messages a receive returned or the items a query read). Each
call appends one JSON line to BENCH_TIMINGS: ``{"worker", "pid", "kind", "what", "start",
"end"}`` (wall-clock seconds, so lines from several processes share one clock). The workers'
own code is untouched.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


def _record(kind: str, what: str, start: float, end: float, **extra: object) -> None:
    line = json.dumps(
        {
            "worker": os.environ.get("WORKER_NAME", "?"),
            "pid": os.getpid(),
            "kind": kind,
            "what": what,
            "start": start,
            "end": end,
            **extra,
        }
    )
    with _LOCK, Path(os.environ["BENCH_TIMINGS"]).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def _what(argv: list[str]) -> str:
    """A short label: the tool and the option that tells its job (segment, concat, ...)."""
    tool = Path(argv[0]).name
    for flag in ("segment", "concat", "image2", "rawvideo"):
        if flag in argv:
            return f"{tool}:{flag}"
    if tool == "ffprobe" and any("frame=" in arg for arg in argv):
        return "ffprobe:decode-check"  # check_decoding: packets and decoded frames
    if tool == "ffprobe" and any("packet=" in arg for arg in argv):
        return "ffprobe:keyframes"
    if "-filter_complex" in argv or "-vf" in argv or "libx264" in argv:
        return f"{tool}:encode"
    return tool


def _wrap_ffmpeg() -> None:
    import vidpipe_ffmpeg._run as run  # noqa: PLC0415

    real_run_tool = run.run_tool

    def run_tool(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return real_run_tool(argv, *args, **kwargs)
        finally:
            _record("ffmpeg", _what(argv), start, time.time())

    # Each module holds its own reference (`from ... import run_tool`): replace them all.
    for name, module in list(sys.modules.items()):
        if name.startswith("vidpipe_") and getattr(module, "run_tool", None) is real_run_tool:
            module.run_tool = run_tool  # type: ignore[attr-defined]

    pipe = run.FfmpegPipe
    real_init, real_kill = pipe.__init__, pipe.kill

    def init(self: Any, argv: list[str], *args: Any, **kwargs: Any) -> None:
        self._bench_started = time.time()
        self._bench_what = _what(argv)
        real_init(self, argv, *args, **kwargs)

    def kill(self: Any) -> None:
        real_kill(self)
        started = self.__dict__.pop("_bench_started", None)
        if started is not None:
            _record("ffmpeg", self._bench_what, started, time.time())

    pipe.__init__ = init  # type: ignore[method-assign]
    pipe.kill = kill  # type: ignore[method-assign]


def _wrap_storage() -> None:
    from vidpipe_aws.storage import ObjectStorage  # noqa: PLC0415

    real_upload, real_download = ObjectStorage.upload_file, ObjectStorage.download_file

    def upload_file(self: Any, path: Any, bucket: str, key: str, **kwargs: Any) -> None:
        start = time.time()
        try:
            real_upload(self, path, bucket, key, **kwargs)
        finally:
            _record("s3", f"upload:{key}", start, time.time())

    def download_file(self: Any, bucket: str, key: str, path: Any) -> int:
        start = time.time()
        try:
            return real_download(self, bucket, key, path)
        finally:
            _record("s3", f"download:{key}", start, time.time())

    ObjectStorage.upload_file = upload_file  # type: ignore[method-assign]
    ObjectStorage.download_file = download_file  # type: ignore[method-assign]


def _counted(operation_name: str, params: Any, result: Any) -> dict[str, object]:
    """What a call's cost depends on: messages received, items read or written."""
    if operation_name == "ReceiveMessage":
        return {"messages": len(result.get("Messages") or [])}
    if operation_name in ("Query", "Scan"):
        return {"items": result.get("ScannedCount", result.get("Count", 0))}
    if operation_name == "BatchGetItem":
        return {"items": sum(len(items) for items in (result.get("Responses") or {}).values())}
    if operation_name == "TransactWriteItems":
        return {"items": len(params.get("TransactItems") or [])}
    if operation_name == "BatchWriteItem":
        return {"items": sum(len(v) for v in (params.get("RequestItems") or {}).values())}
    return {}


def wrap_aws_calls() -> None:
    """Record every botocore API call of this process (also used in the bench's own)."""
    from botocore.client import BaseClient  # noqa: PLC0415

    real_call = BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        start = time.time()
        counted: dict[str, object] = {}
        try:
            result = real_call(self, operation_name, api_params)
            counted = _counted(operation_name, api_params, result)
            return result
        finally:
            service = self.meta.service_model.service_name
            _record("aws", f"{service}:{operation_name}", start, time.time(), **counted)

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]


def main() -> None:
    module = os.environ["BENCH_TIMED_MODULE"]
    # Import the worker's package first so that its vidpipe_ffmpeg imports are bound.
    __import__(module)
    _wrap_ffmpeg()
    _wrap_storage()
    if os.environ.get("BENCH_COUNT_AWS") == "1":
        wrap_aws_calls()
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
