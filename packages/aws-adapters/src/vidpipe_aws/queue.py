"""The Queue port: what the runner and the workers need from SQS, and nothing more.

The base class owns the rules every adapter shares (SQS's bounds on batch sizes, waits,
delays and visibility; error translation at the edge, with what to do about each error); an
adapter implements the small private methods at the bottom.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidpipe_aws._edge import AdapterEdge
from vidpipe_aws._translate import translate_client_error
from vidpipe_aws.errors import AwsAdapterError, NotFoundError, RetryableAwsError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60
SQS_MAX_BATCH = 10
SQS_MAX_WAIT_SECONDS = 20
SQS_MAX_DELAY_SECONDS = 15 * 60

# What a person can do about each kind of failure, appended to the translated message.
_NOT_FOUND_HINT = (
    "check that the queue URL setting (CHUNKING_QUEUE_URL, VIDEO_QUEUE_URL, ...) names an "
    "existing queue in AWS_REGION, and that the stack is provisioned"
)
_RETRYABLE_HINT = (
    "SQS is throttling or unreachable: the same call may pass later; if it keeps failing, "
    "check AWS_ENDPOINT_URL and the network path to SQS"
)
_ACCESS_DENIED_HINT = "grant the worker's role this SQS action on the queue"
_OTHER_HINT = "the request was refused as it is: retrying it unchanged will not help"


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    sent_at: datetime | None = None


class Queue(AdapterEdge, ABC):
    """A work queue with SQS semantics: a received message stays hidden until deleted.

    Errors: NotFoundError (no such queue; for `change_visibility`, a message no longer in
    flight under that receipt handle), RetryableAwsError, AwsAdapterError.
    """

    @property
    @abstractmethod
    def url(self) -> str: ...

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        """Up to `max_messages` (1-10) messages, waiting up to `wait_seconds` (0-20) for one."""
        count = max(1, min(SQS_MAX_BATCH, max_messages))
        wait = max(0, min(SQS_MAX_WAIT_SECONDS, wait_seconds))
        hidden_for = None if visibility_timeout is None else clamp_visibility(visibility_timeout)
        with self._edge(f"receive from {self.url}"):
            return self._receive(count, wait, hidden_for)

    def delete(self, receipt_handle: str) -> None:
        """Delete a received message; a handle that is no longer current is not an error."""
        with self._edge(f"delete a message from {self.url}"):
            self._delete(receipt_handle)

    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        """Hide the message for timeout_seconds from now (0 makes it visible at once)."""
        with self._edge(f"change a message's visibility on {self.url}"):
            self._change_visibility(receipt_handle, clamp_visibility(timeout_seconds))

    def send(self, body: str, delay_seconds: int = 0) -> str:
        """Send one message and return its message id."""
        if not 0 <= delay_seconds <= SQS_MAX_DELAY_SECONDS:
            raise ValueError(
                f"delay_seconds must be 0..{SQS_MAX_DELAY_SECONDS} (SQS's limit), "
                f"got {delay_seconds}"
            )
        with self._edge(f"send to {self.url}"):
            return self._send(body, delay_seconds)

    def send_batch(self, bodies: Sequence[str]) -> None:
        """Send many messages, SQS_MAX_BATCH at a time."""
        for start in range(0, len(bodies), SQS_MAX_BATCH):
            with self._edge(f"send a batch to {self.url}"):
                self._send_chunk(list(bodies[start : start + SQS_MAX_BATCH]))

    def _translate(self, exc: Exception, what: str) -> AwsAdapterError:
        error = translate_client_error(exc, what)
        return type(error)(f"{error}; {_hint(error)}")

    # What an adapter implements --------------------------------------------------------

    @abstractmethod
    def _receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]: ...

    @abstractmethod
    def _delete(self, receipt_handle: str) -> None:
        """Return quietly when the handle is no longer current (deleted, or redelivered)."""

    @abstractmethod
    def _change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        """Raise NotFoundError when the message is no longer in flight under this handle."""

    @abstractmethod
    def _send(self, body: str, delay_seconds: int) -> str: ...

    def _send_chunk(self, bodies: list[str]) -> None:
        # Adapters override this with a real batch call; the default keeps fakes simple.
        for body in bodies:
            self._send(body, 0)


def clamp_visibility(seconds: float) -> int:
    """SQS accepts 0..12 h; anything outside is clamped rather than rejected."""
    return max(0, min(SQS_MAX_VISIBILITY_SECONDS, int(seconds)))


def _hint(error: AwsAdapterError) -> str:
    if isinstance(error, NotFoundError):
        return _NOT_FOUND_HINT
    if isinstance(error, RetryableAwsError):
        return _RETRYABLE_HINT
    if "AccessDenied" in str(error):
        return _ACCESS_DENIED_HINT
    return _OTHER_HINT
