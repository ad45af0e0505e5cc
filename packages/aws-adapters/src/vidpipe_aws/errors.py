"""The one exception root of vidpipe_aws; AWS errors are translated into these at the edge."""

from __future__ import annotations


class AwsAdapterError(Exception):
    """Root of every error raised by vidpipe_aws."""


class NotFoundError(AwsAdapterError):
    """The bucket, object, queue, table or item does not exist."""


class ConditionFailedError(AwsAdapterError):
    """A conditional write lost: someone else changed the record first (a conflict, not a fault)."""


class RetryableAwsError(AwsAdapterError):
    """Throttling, a 5xx or a connection problem: the same call may succeed later."""
