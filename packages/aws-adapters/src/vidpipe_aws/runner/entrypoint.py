"""run_worker: everything a worker's entrypoint does besides building its handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_aws.logs import configure_json_logging
from vidpipe_aws.runner.health import HealthServer
from vidpipe_aws.runner.runner import Runner

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vidpipe_aws.queue import Queue
    from vidpipe_aws.runner.health import JsonRoute
    from vidpipe_aws.runner.runner import Handler, JobFailureRecorder
    from vidpipe_aws.runner.settings import RunnerSettings


def run_worker(
    queue: Queue,
    handler: Handler,
    settings: RunnerSettings,
    *,
    failures: JobFailureRecorder | None = None,
    ready: Callable[[], bool] = lambda: True,
    warm_up: Callable[[], None] | None = None,
    routes: Mapping[str, JsonRoute] | None = None,
) -> int:
    """JSON logging, the health endpoint, signal handlers, then run until SIGTERM/SIGINT.

    Returns the process exit code (0 after a drained shutdown), so that an entrypoint is
    `raise SystemExit(run_worker(SqsQueue(clients.sqs, url), handle, RunnerSettings()))`.
    Call it from the main thread: signal handlers can only be installed there.
    `warm_up` (loading models, say) runs after the health endpoint is up, so that a slow load
    answers 503 on /health/ready instead of refusing connections, and before any receive; a
    SIGTERM during it makes the runner stop at once. `routes` are the worker's own JSON
    routes on the health endpoint (see `HealthServer`).
    """
    configure_json_logging(settings.worker_name, settings.log_level.upper())
    runner = Runner(queue, handler, settings, failures=failures, ready=ready)
    health: HealthServer | None = None
    if settings.health_port >= 0:
        health = HealthServer(
            runner.health_status,
            host=settings.health_host,
            port=settings.health_port,
            routes=routes,
        )
        health.start()
    runner.install_signal_handlers()
    try:
        if warm_up is not None:
            warm_up()
        runner.run()
    finally:
        if health is not None:
            health.stop()
    return 0
