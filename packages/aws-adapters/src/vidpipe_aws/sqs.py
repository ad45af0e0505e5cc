"""The boto3 adapter of the Queue port (SQS)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws.backoff import backoff_delay
from vidpipe_aws.errors import AwsAdapterError, NotFoundError, RetryableAwsError
from vidpipe_aws.queue import Queue, ReceivedMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageTypeDef,
        ReceiveMessageRequestTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

logger = logging.getLogger(__name__)

# Codes SQS answers when a receipt handle no longer points at an in-flight message: the
# message was deleted, or its visibility expired and someone else received it.
_STALE_RECEIPT_CODES = {"ReceiptHandleIsInvalid", "MessageNotInflight"}
_BATCH_ATTEMPTS = 3
_BATCH_RETRY_PAUSE_SECONDS = 0.2
_BATCH_RETRY_MAX_PAUSE_SECONDS = 2.0


class SqsQueue(Queue):
    """One SQS queue, reached through an injected client; botocore's errors stop at the edge."""

    _native_errors: ClassVar[tuple[type[Exception], ...]] = (ClientError, BotoCoreError)

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    @property
    def url(self) -> str:
        return self._url

    def _receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        request: ReceiveMessageRequestTypeDef = {
            "QueueUrl": self._url,
            "MaxNumberOfMessages": max_messages,
            "WaitTimeSeconds": wait_seconds,
            # AttributeNames is deprecated in favour of MessageSystemAttributeNames; older
            # endpoints (LocalStack versions, proxies) only know the former, so send both.
            "AttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
            "MessageSystemAttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
        }
        if visibility_timeout is not None:
            request["VisibilityTimeout"] = visibility_timeout
        response = self._client.receive_message(**request)
        return [_to_received(message) for message in response.get("Messages", [])]

    def _delete(self, receipt_handle: str) -> None:
        try:
            self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt_handle)
        except ClientError as exc:
            if not _is_stale_receipt(exc):
                raise
            # Deleted already, or redelivered to someone else after its visibility ran out:
            # either way there is nothing left for this holder to delete.
            logger.warning("delete on %s: receipt handle is no longer valid", self._url)

    def _change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        try:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=timeout_seconds
            )
        except ClientError as exc:
            if not _is_stale_receipt(exc):
                raise
            raise NotFoundError(
                f"change visibility on {self._url}: the message is no longer in flight under "
                "this receipt handle (deleted, or redelivered after its visibility ran out)"
            ) from exc

    def _send(self, body: str, delay_seconds: int) -> str:
        response = self._client.send_message(
            QueueUrl=self._url, MessageBody=body, DelaySeconds=delay_seconds
        )
        return response["MessageId"]

    def _send_chunk(self, bodies: list[str]) -> None:
        """SendMessageBatch; entries that failed on the service side are sent again.

        A batch call can succeed while some entries fail. Entries failed by our own fault
        (SenderFault: a body too large, bad characters) will never succeed and raise at once.
        """
        pending: dict[str, str] = {str(index): body for index, body in enumerate(bodies)}
        for attempt in range(1, _BATCH_ATTEMPTS + 1):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()
            ]
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = response.get("Failed", [])
            sender_faults = [f for f in failed if f.get("SenderFault")]
            if sender_faults:
                first = sender_faults[0]
                raise AwsAdapterError(
                    f"send batch to {self._url}: {len(sender_faults)} message(s) rejected: "
                    f"{first.get('Code')} {first.get('Message', '')}".strip()
                    + "; fix those bodies (at most 256 KiB, valid characters): resending them "
                    "unchanged will not help"
                )
            pending = {f["Id"]: pending[f["Id"]] for f in failed}
            if not pending:
                return
            logger.warning(
                "send batch to %s: %d message(s) failed on the service side, retrying",
                self._url,
                len(pending),
            )
            if attempt < _BATCH_ATTEMPTS:
                time.sleep(
                    backoff_delay(
                        attempt,
                        base_seconds=_BATCH_RETRY_PAUSE_SECONDS,
                        max_seconds=_BATCH_RETRY_MAX_PAUSE_SECONDS,
                        jitter="equal",
                    )
                )
        raise RetryableAwsError(
            f"send batch to {self._url}: {len(pending)} message(s) still failing after "
            f"{_BATCH_ATTEMPTS} attempts; SQS may accept them later: send them again"
        )


def _to_received(message: MessageTypeDef) -> ReceivedMessage:
    attributes = message.get("Attributes", {})
    sent_ms = attributes.get("SentTimestamp")
    return ReceivedMessage(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message.get("Body", ""),
        receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
        sent_at=datetime.fromtimestamp(int(sent_ms) / 1000, UTC) if sent_ms else None,
    )


def _is_stale_receipt(exc: Exception) -> bool:
    if not isinstance(exc, ClientError):
        return False
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    if code in _STALE_RECEIPT_CODES:
        return True
    # AWS answers a visibility change on a message that is gone with InvalidParameterValue
    # naming the ReceiptHandle parameter (as opposed to a bad VisibilityTimeout).
    return code == "InvalidParameterValue" and "ReceiptHandle" in str(error.get("Message", ""))
