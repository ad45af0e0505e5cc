"""Where the output of the local stack's worker processes goes: files, or the terminal.

Workers write JSON lines (logs and CloudWatch EMF metrics). Files keep them as they are, for
`jq`; the terminal gets a short readable form with the worker's name in front.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    import threading
    from pathlib import Path

# Fields every JSON log line has; the rest are shown as key=value.
_FIXED_FIELDS = ("time", "level", "logger", "message", "worker", "exception", "stack")


class LogSink(Protocol):
    """Receives a worker's output line by line (without the newline), from a reader thread."""

    def write(self, line: str) -> None: ...

    def close(self) -> None: ...


class DiscardSink:
    def write(self, line: str) -> None:
        pass

    def close(self) -> None:
        pass


class FileSink:
    """Appends the raw lines to a file, flushed line by line so a crash loses nothing."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8", buffering=1)

    def write(self, line: str) -> None:
        self._file.write(line + "\n")

    def close(self) -> None:
        self._file.close()


class TerminalSink:
    """Writes readable lines prefixed with the worker's name; `lock` is shared by all workers
    so lines never interleave."""

    def __init__(self, name: str, stream: TextIO, lock: threading.Lock, width: int = 12) -> None:
        self._prefix = f"{name:<{width}}|"
        self._stream = stream
        self._lock = lock

    def write(self, line: str) -> None:
        text = format_worker_line(line)
        with self._lock:
            for part in text.splitlines() or [""]:
                self._stream.write(f"{self._prefix} {part}\n")
            self._stream.flush()

    def close(self) -> None:
        pass


def format_worker_line(line: str) -> str:
    """`12:00:01 INFO message key=value`, `metric Name=1.5 Milliseconds`, or the line as is."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    if "_aws" in entry:
        return _format_metric(entry)
    if "message" not in entry:
        return line
    clock = str(entry.get("time", ""))[11:19]
    extras = " ".join(
        f"{key}={_short(value)}" for key, value in entry.items() if key not in _FIXED_FIELDS
    )
    text = " ".join(
        part for part in (clock, str(entry.get("level", "")), str(entry["message"])) if part
    )
    if extras:
        text += f"  {extras}"
    for key in ("exception", "stack"):
        if entry.get(key):
            text += "\n" + str(entry[key])
    return text


def _format_metric(entry: dict[str, Any]) -> str:
    try:
        definition = entry["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]
        name, unit = definition["Name"], definition.get("Unit", "")
    except (KeyError, IndexError, TypeError):
        return json.dumps(entry)
    job = f"  job_id={entry['job_id']}" if "job_id" in entry else ""
    return f"metric {name}={entry.get(name)} {unit}{job}".rstrip()


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
