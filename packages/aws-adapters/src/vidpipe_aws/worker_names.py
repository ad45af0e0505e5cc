"""The one name of each worker, derived from the queue it consumes (`vidpipe_types.Worker`).

That name is the worker's `worker` in every log line, its `Worker` dimension in every metric,
its RunnerSettings default (WORKER_NAME overrides it), the name the local stack gives its
processes and the name of its service, image and log group in `infra/`; so one worker's
metrics carry one name on AWS and locally.
"""

from __future__ import annotations

from vidpipe_types.topology import Worker

# The reassembly queue's worker also makes the thumbnail and metadata and runs the analysis:
# it is named for its package, the media-worker. Every other worker is named for its queue.
_NAMED_OTHERWISE: dict[Worker, str] = {Worker.REASSEMBLY: "media"}
_SUFFIX = "-worker"


def worker_name(queue: Worker) -> str:
    """`chunking-worker`, `video-worker`, `media-worker`, `detection-worker`."""
    worker = Worker(queue)
    return f"{_NAMED_OTHERWISE.get(worker, worker.value)}{_SUFFIX}"


def short_worker_name(queue: Worker) -> str:
    """`chunking`, `video`, `media`, `detection`: for process names and construct ids."""
    return worker_name(queue).removesuffix(_SUFFIX)
