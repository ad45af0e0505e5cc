"""A worker process for the SIGTERM tests: a job writes `started`, sleeps, writes `finished`.

Configured entirely by the environment, like a real worker: AWS_ENDPOINT_URL and the runner
settings, plus SLEEPY_QUEUE_URL, SLEEPY_MARKER_DIR and SLEEPY_SECONDS.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import RunnerSettings, run_worker
from vidpipe_aws.settings import AwsSettings
from vidpipe_aws.sqs import SqsQueue


def main() -> int:
    markers = Path(os.environ["SLEEPY_MARKER_DIR"])
    seconds = float(os.environ["SLEEPY_SECONDS"])

    def handle(message: ReceivedMessage) -> None:
        (markers / "started").write_text(message.message_id)
        time.sleep(seconds)
        (markers / "finished").write_text(message.message_id)

    clients = AwsClients.from_settings(AwsSettings())
    queue = SqsQueue(clients.sqs, os.environ["SLEEPY_QUEUE_URL"])
    return run_worker(queue, handle, RunnerSettings())


if __name__ == "__main__":
    raise SystemExit(main())
