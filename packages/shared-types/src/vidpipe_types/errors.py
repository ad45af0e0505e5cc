"""The one exception root of vidpipe_types.

Every error here means "this input is bad": retrying the same value cannot succeed, so callers
report the message (written for a person) instead of retrying. They also subclass ``ValueError``
so that pydantic validators turn them into ordinary validation errors.
"""

from __future__ import annotations


class VidpipeTypesError(Exception):
    """Root of every error raised by vidpipe_types."""


class InvalidJobIdError(VidpipeTypesError, ValueError):
    """A job id does not match the allowed format (letters, digits, ``_`` and ``-``)."""


class InvalidKeyError(VidpipeTypesError, ValueError):
    """A key or S3 URI cannot be built or parsed from the given parts."""


class InvalidJobOptionsError(VidpipeTypesError, ValueError):
    """Upload metadata asks for options vidpipe does not know (bad mode, detect or analyze)."""


class OverlappingNotificationsError(VidpipeTypesError):
    """Two bucket notification rules match the same objects; real S3 rejects such a setup."""


class InvalidTenantIdError(VidpipeTypesError, ValueError):
    """A tenant id does not match the allowed format (lower-case letters, digits and ``-``)."""


class InvalidUserMetadataError(VidpipeTypesError, ValueError):
    """A job's user metadata is over a size limit or has a key outside the allowed alphabet."""


class InvalidApiKeyError(VidpipeTypesError, ValueError):
    """A presented API key is not in vidpipe's key format (it is never echoed back)."""
