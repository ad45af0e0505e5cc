"""Each worker's deployment: its image, its queue, and exactly what it may touch.

The access lists are the least-privilege contract of every worker; the stack turns them into
IAM statements and the tests check the result. S3 key patterns are derived from the key
builders in ``vidpipe_types.keys``, so that a change of key layout changes the policies too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vidpipe_aws import short_worker_name, worker_name
from vidpipe_types.ids import derive_job_id
from vidpipe_types.keys import (
    ATTEMPTS_PREFIX,
    INPUT_PREFIX,
    JOBS_PREFIX,
    SEGMENTS_PREFIX,
    build_frame_key,
    build_output_segment_key,
)
from vidpipe_types.topology import BucketRole, TableRole, Worker

# Any valid job id: it is replaced by `*` in the patterns built from real keys.
_SAMPLE_JOB_ID = derive_job_id("bucket", "input/sample.mp4", "etag")


def _job_key_pattern(key: str) -> str:
    """``jobs/<id>/segments/0.mp4`` -> ``jobs/*/segments/*``: any job, any file in that folder."""
    folder = key.rsplit("/", 1)[0].replace(_SAMPLE_JOB_ID, "*")
    return f"{folder}/*"


#: Processed segments in the output bucket (``jobs/*/segments/*``).
OUTPUT_SEGMENTS = _job_key_pattern(build_output_segment_key(_SAMPLE_JOB_ID, 0))
#: Frames a model may write beside its segments (``jobs/*/frames/*``).
OUTPUT_FRAMES = _job_key_pattern(build_frame_key(_SAMPLE_JOB_ID, 0))
#: Everything a job leaves in the output bucket.
JOB_OUTPUTS = f"{JOBS_PREFIX}*"
UPLOADS = f"{INPUT_PREFIX}*"
#: A reassembly attempt's staged artifacts (``attempts/<job>/<attempt>/...``): the winner's are
#: copied to ``jobs/*`` by its outbox, the losers' deleted.
ATTEMPTS = f"{ATTEMPTS_PREFIX}*"
INPUT_SEGMENTS = f"{SEGMENTS_PREFIX}*"


@dataclass(frozen=True)
class ObjectAccess:
    bucket: BucketRole
    pattern: str


@dataclass(frozen=True)
class WorkerSpec:
    """One deployable worker, named after the queue it consumes (``vidpipe_aws.worker_name``).

    ``name`` (``chunking-worker``) is its package folder, image repository, service, task
    family and log group: the same name its entrypoint logs and measures under.
    """

    module: str
    queue: Worker
    name: str = field(init=False)
    #: The image repository ``<prefix>/<image>`` (default: ``name``).
    image: str = ""
    reads: tuple[ObjectAccess, ...] = ()
    writes: tuple[ObjectAccess, ...] = ()
    table_reads: tuple[TableRole, ...] = ()
    table_writes: tuple[TableRole, ...] = ()
    sends: tuple[Worker, ...] = ()
    #: Objects it may delete (a reassembly's losing attempt cleans up after itself).
    deletes: tuple[ObjectAccess, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", worker_name(self.queue))
        if not self.image:
            object.__setattr__(self, "image", self.name)

    @property
    def short_name(self) -> str:
        """``chunking`` for ``chunking-worker``: construct ids and log stream prefixes."""
        return short_worker_name(self.queue)

    @property
    def image_name(self) -> str:
        return self.image or self.name


CHUNKING = WorkerSpec(
    module="vidpipe_chunking",
    queue=Worker.CHUNKING,
    reads=(ObjectAccess("input", UPLOADS),),
    writes=(ObjectAccess("input", INPUT_SEGMENTS),),
    # The reassembly trigger it runs after chunking counts the segment completions.
    table_reads=(TableRole.SEGMENT_COMPLETIONS,),
    table_writes=(TableRole.JOBS,),
    sends=(Worker.REASSEMBLY, Worker.DETECTION),
)
VIDEO = WorkerSpec(
    module="vidpipe_video",
    queue=Worker.VIDEO,
    # It checks for an existing output segment (HEAD needs s3:GetObject) before processing.
    reads=(ObjectAccess("input", INPUT_SEGMENTS), ObjectAccess("output", OUTPUT_SEGMENTS)),
    writes=(ObjectAccess("output", OUTPUT_SEGMENTS), ObjectAccess("output", OUTPUT_FRAMES)),
    table_writes=(TableRole.JOBS, TableRole.SEGMENT_COMPLETIONS),
    sends=(Worker.REASSEMBLY,),
)
MEDIA = WorkerSpec(
    module="vidpipe_media",
    queue=Worker.REASSEMBLY,
    # Staged artifacts are read back by the promotion (a server-side copy reads its source).
    reads=(ObjectAccess("output", OUTPUT_SEGMENTS), ObjectAccess("output", ATTEMPTS)),
    writes=(ObjectAccess("output", JOB_OUTPUTS), ObjectAccess("output", ATTEMPTS)),
    deletes=(ObjectAccess("output", ATTEMPTS),),
    table_reads=(TableRole.SEGMENT_COMPLETIONS,),
    table_writes=(TableRole.JOBS,),
    # The sweeper re-runs the reassembly trigger for stalled jobs, and delivers what killed
    # workers left in job outboxes: detection requests among them.
    sends=(Worker.REASSEMBLY, Worker.DETECTION),
)
DETECTION = WorkerSpec(
    module="vidpipe_detection",
    queue=Worker.DETECTION,
    reads=(ObjectAccess("input", UPLOADS),),
    writes=(ObjectAccess("output", JOB_OUTPUTS),),
    table_writes=(TableRole.JOBS,),
)

#: The video-worker with the sam2 plugin (image ``video-worker-sam2``, CUDA build) on the GPU
#: model group's queue: the same code and access as VIDEO, and the SAM2 weights object.
VIDEO_GPU = WorkerSpec(
    module="vidpipe_video",
    queue=Worker.VIDEO_GPU,
    image="video-worker-sam2",
    reads=VIDEO.reads,
    writes=VIDEO.writes,
    table_writes=VIDEO.table_writes,
    sends=VIDEO.sends,
)

#: The HTTP API's URL imports: the chunking-worker's image with its own entrypoint. It writes
#: only uploads (and reads them back: the HEAD after the upload needs s3:GetObject).
IMPORT = WorkerSpec(
    module="vidpipe_chunking.import_worker",
    queue=Worker.IMPORT,
    image="chunking-worker",
    reads=(ObjectAccess("input", UPLOADS),),
    writes=(ObjectAccess("input", UPLOADS),),
    table_writes=(TableRole.JOBS,),
)

#: The workers every deployment runs; DETECTION is on unless ``detection = false``,
#: VIDEO_GPU joins them with ``gpu = true`` and IMPORT with the HTTP API (``api = true``), the
#: only sender of import requests.
CORE_WORKERS: tuple[WorkerSpec, ...] = (CHUNKING, VIDEO, MEDIA)


def workers(*, detection: bool, gpu: bool = False, api: bool = False) -> tuple[WorkerSpec, ...]:
    return (
        *CORE_WORKERS,
        *((DETECTION,) if detection else ()),
        *((VIDEO_GPU,) if gpu else ()),
        *((IMPORT,) if api else ()),
    )
