"""ECS task scale-in protection while a worker holds messages.

Backlog scaling can lower a service's desired count while its tasks are mid-segment; ECS then
stops some task, and SIGTERM gives it only `stopTimeout` (120 s at most on Fargate) to finish.
A task that sets scale-in protection through its ECS agent is not chosen by scale-in: the
runner turns protection on when it starts holding a message and off when it holds none, so
that scale-in stops only idle tasks. Protection expires by itself after
TASK_PROTECTION_MINUTES (a task that died keeps nothing protected for long); the runner
renews it from the heartbeat while it stays busy.

The agent's endpoint is `$ECS_AGENT_URI/task-protection/v1/state` (PUT
`{"ProtectionEnabled": bool, "ExpiresInMinutes": N}`). Off ECS there is no ECS_AGENT_URI and
this does nothing. A failing call is logged and never fails a message: protection is an
optimisation, the SIGTERM drain and the visibility timeout still hold.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

PROTECTION_PATH = "/task-protection/v1/state"


class TaskProtection:
    """Keeps the agent's protection state in line with `busy` (see the module docstring)."""

    def __init__(
        self,
        agent_uri: str | None,
        *,
        expires_in_minutes: int = 60,
        timeout_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = None if not agent_uri else agent_uri.rstrip("/") + PROTECTION_PATH
        self._minutes = expires_in_minutes
        self._timeout = timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._enabled: bool | None = None  # what the agent was last told successfully
        self._renew_at = 0.0

    @property
    def active(self) -> bool:
        return self._url is not None

    def update(self, busy: bool) -> None:
        """Protect while busy, unprotect when idle; renews before expiry. Cheap when nothing
        changes (no request), so the runner calls it on every start, finish and heartbeat."""
        if self._url is None:
            return
        with self._lock:
            now = self._clock()
            if self._enabled == busy and not (busy and now >= self._renew_at):
                return
            if self._put(busy):
                self._enabled = busy
                # Renew at half the expiry, so one failed renewal still leaves time.
                self._renew_at = now + self._minutes * 30
            else:
                self._enabled = None

    def _put(self, enabled: bool) -> bool:
        assert self._url is not None
        document: dict[str, object] = {"ProtectionEnabled": enabled}
        if enabled:
            document["ExpiresInMinutes"] = self._minutes
        request = urllib.request.Request(
            self._url,
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                ok = 200 <= int(response.status) < 300
        except (urllib.error.URLError, OSError) as exc:
            logger.warning("task scale-in protection %s failed: %s", _word(enabled), exc)
            return False
        if ok:
            logger.info("task scale-in protection %s", _word(enabled))
        return ok


def _word(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"
