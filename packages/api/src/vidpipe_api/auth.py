"""Bearer API keys: each request names its tenant through the key it presents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vidpipe_api.errors import Unauthorized

_BEARER = HTTPBearer(
    auto_error=False,
    description="An API key from `vidpipe api-keys create`, as `Authorization: Bearer vpk_...`",
)
_MESSAGE = "a valid API key is required: send `Authorization: Bearer <key>`"


def current_tenant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> str:
    """The tenant of the presented key; 401, the same for every reason, otherwise (a caller
    learns nothing about which keys exist)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(_MESSAGE)
    context = request.app.state.context
    record = context.api_keys.authenticate(credentials.credentials)
    if record is None:
        raise Unauthorized(_MESSAGE)
    tenant: str = record.tenant_id
    return tenant


Tenant = Annotated[str, Depends(current_tenant)]
