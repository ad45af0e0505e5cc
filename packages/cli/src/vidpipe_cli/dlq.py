"""Dead-letter queues: how deep each is, a look at what is on it, and redrive.

SQS's StartMessageMoveTask is not available everywhere (moto lacks it), so redrive is done by
hand: receive from the DLQ, send to the source queue, then delete from the DLQ. A message is
deleted only after its copy was sent, so a crash in between duplicates it rather than losing
it (the workers are idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vidpipe_types import JobStatus, Worker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

    from vidpipe_cli.target import Target

_SQS_BATCH = 10
# Long enough to send and delete a batch; a message not deleted by then comes back.
_REDRIVE_VISIBILITY_SECONDS = 60


@dataclass(frozen=True)
class PeekedMessage:
    message_id: str
    receive_count: int
    sent_at: datetime | None
    body: str


@dataclass(frozen=True)
class DlqReport:
    worker: Worker
    queue_name: str
    dlq_name: str
    queue_depth: int
    dlq_depth: int
    messages: tuple[PeekedMessage, ...]


def queue_depth(sqs: SQSClient, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", "0"))


def peek(sqs: SQSClient, url: str, max_messages: int = 5) -> list[PeekedMessage]:
    """Up to `max_messages` (at most 10) messages, left on the queue and visible.

    A receive with VisibilityTimeout=0 does not hide what it returns; it does count as a
    receive, which on a DLQ (it has no redrive policy of its own) changes nothing.
    """
    if max_messages <= 0:
        return []
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=min(max_messages, _SQS_BATCH),
        VisibilityTimeout=0,
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["All"],
    )
    return [_peeked(message) for message in response.get("Messages", [])]


def dlq_reports(
    target: Target, workers: Iterable[Worker] = tuple(Worker), peek_count: int = 5
) -> list[DlqReport]:
    reports = []
    sqs = target.clients.sqs
    for worker in workers:
        dlq_url = target.dlq_url(worker)
        dlq_depth = queue_depth(sqs, dlq_url)
        reports.append(
            DlqReport(
                worker=worker,
                queue_name=target.names.queue(worker),
                dlq_name=target.names.dlq(worker),
                queue_depth=queue_depth(sqs, target.queue_url(worker)),
                dlq_depth=dlq_depth,
                messages=tuple(peek(sqs, dlq_url, peek_count)) if dlq_depth else (),
            )
        )
    return reports


def reopen_dead_lettered(target: Target, worker: Worker) -> list[str]:
    """Reopen the jobs that failed because a message of `worker`'s queue dead-lettered (or
    that the sweeper failed as stuck on it): each goes back to the status it failed in, so
    that the redriven message is handled again instead of being dropped as for a final job.
    A job failed for a bad input stays failed. Returns the reopened job ids."""
    queue = target.queue_url(worker).rstrip("/").rpartition("/")[2]
    short = queue.removeprefix(f"{target.names.prefix}-")
    reopened = []
    for job in list(target.jobs.list_by_status(JobStatus.FAILED)):
        error = job.error
        if error is None or error.dead_letter_queue not in {queue, short, worker.value}:
            continue
        if target.jobs.reopen(job.job_id) is not None:
            reopened.append(job.job_id)
    return reopened


def redrive(target: Target, worker: Worker, *, limit: int | None = None) -> int:
    """Move messages from `worker`'s DLQ back to its queue; return how many were moved.

    The jobs those messages belong to are reopened first (`reopen_dead_lettered`), so that a
    redrive after a fix resumes them."""
    sqs = target.clients.sqs
    source, dlq = target.queue_url(worker), target.dlq_url(worker)
    if queue_depth(sqs, dlq) == 0:
        # Saves a 1 s poll per empty DLQ; a message that arrives meanwhile waits for the next run.
        return 0
    reopen_dead_lettered(target, worker)
    moved = 0
    while limit is None or moved < limit:
        wanted = _SQS_BATCH if limit is None else min(_SQS_BATCH, limit - moved)
        # A 1 s long poll asks every SQS server; a short poll may answer empty too early.
        messages = sqs.receive_message(
            QueueUrl=dlq,
            MaxNumberOfMessages=wanted,
            VisibilityTimeout=_REDRIVE_VISIBILITY_SECONDS,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        moved += _move_batch(sqs, source, dlq, messages)
    return moved


def _move_batch(sqs: SQSClient, source: str, dlq: str, messages: list[MessageTypeDef]) -> int:
    entries: list[SendMessageBatchRequestEntryTypeDef] = []
    for number, message in enumerate(messages):
        entry: SendMessageBatchRequestEntryTypeDef = {
            "Id": str(number),
            "MessageBody": message["Body"],
        }
        if message.get("MessageAttributes"):
            entry["MessageAttributes"] = message["MessageAttributes"]
        entries.append(entry)
    sent = sqs.send_message_batch(QueueUrl=source, Entries=entries)
    done = [messages[int(ok["Id"])] for ok in sent.get("Successful", [])]
    if done:
        sqs.delete_message_batch(
            QueueUrl=dlq,
            Entries=[
                {"Id": str(number), "ReceiptHandle": message["ReceiptHandle"]}
                for number, message in enumerate(done)
            ],
        )
    return len(done)


def _peeked(message: MessageTypeDef) -> PeekedMessage:
    attributes = message.get("Attributes", {})
    sent_ms = attributes.get("SentTimestamp")
    return PeekedMessage(
        message_id=message.get("MessageId", ""),
        receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
        sent_at=datetime.fromtimestamp(int(sent_ms) / 1000, UTC) if sent_ms else None,
        body=message.get("Body", ""),
    )
