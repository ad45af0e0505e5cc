"""In-memory fakes of vidpipe_aws's ports, for fast unit tests of workers and the runner.

They keep the semantics that code relies on (invisibility after receive, receive counts,
conditional writes) and nothing else. They are thread-safe, since the runner is threaded.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.queue import Queue, ReceivedMessage, clamp_visibility

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class _StoredMessage:
    message_id: str
    body: str
    visible_at: float
    receive_count: int = 0
    receipt_handle: str | None = None


@dataclass
class InMemoryQueue(Queue):
    """An SQS-like queue. `clock` is injectable so tests can move time without sleeping."""

    name: str = "fake-queue"
    default_visibility_timeout: int = 30
    clock: Callable[[], float] = time.monotonic
    dead_letter: InMemoryQueue | None = None
    max_receive_count: int | None = None
    _messages: dict[str, _StoredMessage] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    visibility_changes: list[tuple[str, int]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"memory://{self.name}"

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        # wait_seconds is ignored: a fake never blocks, tests drive the loop themselves.
        timeout = (
            self.default_visibility_timeout if visibility_timeout is None else visibility_timeout
        )
        received: list[ReceivedMessage] = []
        with self._lock:
            now = self.clock()
            for stored in list(self._messages.values()):
                if len(received) >= max_messages:
                    break
                if stored.visible_at > now:
                    continue
                if self._redrive_if_exhausted(stored):
                    continue
                stored.receive_count += 1
                stored.receipt_handle = f"{stored.message_id}#{stored.receive_count}"
                stored.visible_at = now + timeout
                received.append(
                    ReceivedMessage(
                        message_id=stored.message_id,
                        receipt_handle=stored.receipt_handle,
                        body=stored.body,
                        receive_count=stored.receive_count,
                    )
                )
        return received

    def _redrive_if_exhausted(self, stored: _StoredMessage) -> bool:
        if self.max_receive_count is None or stored.receive_count < self.max_receive_count:
            return False
        del self._messages[stored.message_id]
        if self.dead_letter is not None:
            self.dead_letter.send(stored.body)
        return True

    def delete(self, receipt_handle: str) -> None:
        with self._lock:
            stored = self._find(receipt_handle)
            if stored is not None:
                del self._messages[stored.message_id]
                self.deleted.append(stored.message_id)

    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        with self._lock:
            stored = self._find(receipt_handle)
            if stored is None:
                raise NotFoundError(f"receipt handle {receipt_handle!r} is not current")
            stored.visible_at = self.clock() + clamp_visibility(timeout_seconds)
            self.visibility_changes.append((stored.message_id, timeout_seconds))

    def send(self, body: str, delay_seconds: int = 0) -> str:
        with self._lock:
            message_id = f"{self.name}-{next(self._ids)}"
            self._messages[message_id] = _StoredMessage(
                message_id=message_id, body=body, visible_at=self.clock() + delay_seconds
            )
            return message_id

    def _find(self, receipt_handle: str) -> _StoredMessage | None:
        for stored in self._messages.values():
            if stored.receipt_handle == receipt_handle:
                return stored
        return None

    # Test helpers -------------------------------------------------------------------------

    def bodies(self) -> list[str]:
        """Every message still on the queue, visible or not."""
        with self._lock:
            return [m.body for m in self._messages.values()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)
