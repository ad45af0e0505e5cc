"""The Queue port: what the runner and the workers need from SQS, and nothing more."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60
SQS_MAX_BATCH = 10


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    sent_at: datetime | None = None


class Queue(ABC):
    """A work queue with SQS semantics: a received message stays hidden until deleted."""

    @property
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]: ...

    @abstractmethod
    def delete(self, receipt_handle: str) -> None: ...

    @abstractmethod
    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        """Hide the message for timeout_seconds from now (0 makes it visible at once)."""

    @abstractmethod
    def send(self, body: str, delay_seconds: int = 0) -> str:
        """Send one message and return its message id."""

    def send_batch(self, bodies: Sequence[str]) -> None:
        """Send many messages, SQS_MAX_BATCH at a time."""
        for start in range(0, len(bodies), SQS_MAX_BATCH):
            self._send_chunk(list(bodies[start : start + SQS_MAX_BATCH]))

    def _send_chunk(self, bodies: list[str]) -> None:
        # Adapters override this with a real batch call; the default keeps fakes simple.
        for body in bodies:
            self.send(body)


def clamp_visibility(seconds: float) -> int:
    """SQS accepts 0..12 h; anything outside is clamped rather than rejected."""
    return max(0, min(SQS_MAX_VISIBILITY_SECONDS, int(seconds)))
