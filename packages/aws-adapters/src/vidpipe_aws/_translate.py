"""Translation of botocore errors into vidpipe_aws errors, used by every adapter at its edge."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from vidpipe_aws.errors import (
    AwsAdapterError,
    ConditionFailedError,
    NotFoundError,
    RetryableAwsError,
)

_NOT_FOUND = {
    "404",
    "NoSuchKey",
    "NoSuchBucket",
    "NotFound",
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}
_CONDITION_FAILED = {
    "ConditionalCheckFailedException",
    "TransactionCanceledException",
    "PreconditionFailed",
}
_RETRYABLE = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalError",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestTimeout",
}


def translate_client_error(exc: Exception, what: str) -> AwsAdapterError:
    """Map a botocore exception to our error tree; `what` names the resource for the message."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = f"{what}: {code} {error.get('Message', '')}".strip()
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _NOT_FOUND:
            return NotFoundError(message)
        if code in _CONDITION_FAILED:
            return ConditionFailedError(message)
        if code in _RETRYABLE or status >= 500:
            return RetryableAwsError(message)
        return AwsAdapterError(message)
    if isinstance(exc, EndpointConnectionError | ConnectionError | ReadTimeoutError):
        return RetryableAwsError(f"{what}: {exc}")
    if isinstance(exc, BotoCoreError):
        return AwsAdapterError(f"{what}: {exc}")
    return AwsAdapterError(f"{what}: {exc!r}")
