"""vidpipe_cli: the `vidpipe` command and the embedded local stack it runs.

`LocalStack` (moto in this process, resources from the shared topology, each worker as its
own process) is what `vidpipe demo`, `vidpipe up`, the end-to-end tests and the bench scripts
share. `Target` is a stack reached by endpoint and prefix (moto, LocalStack or AWS alike).
"""

from vidpipe_cli.dlq import DlqReport, PeekedMessage, dlq_reports, peek, queue_depth, redrive
from vidpipe_cli.errors import (
    JobNotFoundError,
    JobTimeoutError,
    LocalStackError,
    StackNotFoundError,
    UsageError,
    VidpipeCliError,
    WorkerExitedError,
)
from vidpipe_cli.fetch import fetch_outputs
from vidpipe_cli.follow import follow_job, wait_for_job
from vidpipe_cli.local_stack import (
    CHUNKING_WORKER,
    FAKE_CREDENTIALS,
    LOCAL_RUNNER_ENV,
    MEDIA_WORKER,
    PIPELINE_WORKERS,
    VIDEO_WORKER,
    LocalStack,
    WorkerProcess,
    WorkerSpec,
    file_sinks,
    local_clients,
)
from vidpipe_cli.sam2_local import (
    DEFAULT_SAM2_PYTHON,
    SAM2_RANDOM_INIT_ENV,
    find_sam2_python,
    sam2_video_worker,
)
from vidpipe_cli.samples import SAMPLE_NAMES, sample_video, samples_dir
from vidpipe_cli.settings import CliSettings
from vidpipe_cli.submit import Submission, job_options, new_job_id, submit_file
from vidpipe_cli.summary import stage_timings
from vidpipe_cli.target import Target

__all__ = [
    "CHUNKING_WORKER",
    "DEFAULT_SAM2_PYTHON",
    "FAKE_CREDENTIALS",
    "LOCAL_RUNNER_ENV",
    "MEDIA_WORKER",
    "PIPELINE_WORKERS",
    "SAM2_RANDOM_INIT_ENV",
    "SAMPLE_NAMES",
    "VIDEO_WORKER",
    "CliSettings",
    "DlqReport",
    "JobNotFoundError",
    "JobTimeoutError",
    "LocalStack",
    "LocalStackError",
    "PeekedMessage",
    "StackNotFoundError",
    "Submission",
    "Target",
    "UsageError",
    "VidpipeCliError",
    "WorkerExitedError",
    "WorkerProcess",
    "WorkerSpec",
    "dlq_reports",
    "fetch_outputs",
    "file_sinks",
    "find_sam2_python",
    "follow_job",
    "job_options",
    "local_clients",
    "new_job_id",
    "peek",
    "queue_depth",
    "redrive",
    "sam2_video_worker",
    "sample_video",
    "samples_dir",
    "stage_timings",
    "submit_file",
    "wait_for_job",
]
