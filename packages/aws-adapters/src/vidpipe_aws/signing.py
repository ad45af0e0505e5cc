"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, Stripe-like.

Every delivery carries a header ``Vidpipe-Signature: t=<unix seconds>,v1=<hex>``, where the
hex is ``HMAC-SHA256(secret, "<t>." + body)``. A receiver recomputes it with the shared
secret (WEBHOOK_SIGNING_SECRET), compares in constant time and refuses a timestamp too far
from its clock, so that a captured request cannot be replayed later. Each retry is signed
again with a fresh timestamp; the body (and the event `id` in it) stays the same.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Vidpipe-Signature"
#: The event id again, as a header, for receivers that deduplicate before parsing the body.
EVENT_ID_HEADER = "Vidpipe-Event-Id"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value ``t=...,v1=...`` for `body`, signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},{SCHEME}={signature(secret, at, body)}"


def verify(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` is a valid signature of `body` made within the tolerance."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = parts[SCHEME]
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)
