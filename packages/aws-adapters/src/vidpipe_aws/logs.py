"""JSON-line logs and CloudWatch embedded metrics (EMF) on stdout.

Workers run in containers whose stdout goes to CloudWatch Logs: one JSON object per line is
searchable with Logs Insights, and EMF lines become metrics without any API call. The job id,
message id and stage travel in context variables, so a handler's own log calls carry them
without passing anything around.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import TextIO

METRICS_NAMESPACE = "vidpipe"

_context: ContextVar[Mapping[str, str]] = ContextVar(
    "vidpipe_log_context", default=MappingProxyType({})
)
_stdout_lock = threading.Lock()

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add fields (job_id, message_id, stage, ...) to every log line and metric in this block.

    Context variables are per thread (and per task): a field set in one handler's thread
    never shows up in another's. A None value removes the field for the block.
    """
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    for key, value in fields.items():
        if value is None:
            merged.pop(key, None)
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def bind_log_context(**fields: str) -> None:
    """Add fields until the enclosing log_context block ends.

    The runner opens a log_context around each message; a handler that learns the job id
    only after parsing binds it here, so the runner's closing line carries it too.
    """
    _context.set({**_context.get(), **fields})


# Presigned URLs carry their signature and credential scope in the query string, and error
# texts (botocore's, a worker's environment dumped in a traceback) may carry keys: a log line
# lives longer and travels further than either, so these values never reach one.
_SECRET_PATTERNS = (
    # Query parameters of SigV4 and SigV2 presigned URLs.
    re.compile(
        r"((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|AWSAccessKeyId|Signature)=)"
        r"[^&\s\"'\\]+",
        re.IGNORECASE,
    ),
    # NAME=value, NAME: value, "NAME": "value" (also JSON-escaped quotes) for secret names.
    re.compile(
        r"((?:aws_secret_access_key|aws_session_token|secret_access_key|secretaccesskey"
        r"|session_?token|webhook_signing_secret)\\?[\"']?\s*[:=]\s*\\?[\"']?)[^\s\"'&,;}\\]+",
        re.IGNORECASE,
    ),
)
REDACTED = "[REDACTED]"


def redact(text: str) -> str:
    """`text` with presigned-URL signatures, credential scopes and secret keys replaced."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def current_log_context() -> dict[str, str]:
    return dict(_context.get())


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, worker, context, extras."""

    def __init__(self, worker_name: str) -> None:
        super().__init__()
        self._worker = worker_name

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "worker": self._worker,
            **_context.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Redacted last, on the whole line: messages, extras and tracebacks alike.
        return redact(json.dumps(entry, default=str))


class _LockedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Shares one lock with emit_metric, so log lines and EMF lines never interleave."""

    def emit(self, record: logging.LogRecord) -> None:
        with _stdout_lock:
            super().emit(record)


def configure_json_logging(
    worker_name: str, level: int | str = logging.INFO, *, stream: TextIO | None = None
) -> None:
    """Make the root logger write JSON lines to stdout (or `stream`); replaces its handlers."""
    handler = _LockedStreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter(worker_name))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # botocore logs every retry at DEBUG and credentials lookups at INFO: keep them quiet.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def emit_metric(name: str, value: float, unit: str = "Milliseconds", **dimensions: str) -> None:
    """Write one CloudWatch Embedded Metric Format line to stdout.

    `dimensions` become CloudWatch dimensions (keep their values low-cardinality); the log
    context (job id, message id) is attached as plain properties for searching, not as
    dimensions, so it does not create a metric per job.
    """
    document: dict[str, Any] = {
        **_context.get(),
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": [sorted(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **dimensions,
        name: value,
    }
    line = redact(json.dumps(document, default=str))
    with _stdout_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
