"""The worker runner: a worker is a handler; the runner owns polling, retries and shutdown."""

from vidpipe_aws.runner.entrypoint import run_worker
from vidpipe_aws.runner.health import HealthServer, HealthStatus
from vidpipe_aws.runner.outcomes import BadInput, HandlerSignal, RetryLater, Unparseable
from vidpipe_aws.runner.runner import Handler, JobFailureRecorder, Runner
from vidpipe_aws.runner.settings import RunnerSettings

__all__ = [
    "BadInput",
    "Handler",
    "HandlerSignal",
    "HealthServer",
    "HealthStatus",
    "JobFailureRecorder",
    "RetryLater",
    "Runner",
    "RunnerSettings",
    "Unparseable",
    "run_worker",
]
