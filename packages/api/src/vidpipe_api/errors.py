"""Errors a request handler raises; the app turns each into its status and a `detail`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status_code = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(ApiError):
    status_code = 400


class Unauthorized(ApiError):
    status_code = 401


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class Unprocessable(ApiError):
    status_code = 422


class NotEnabled(ApiError):
    status_code = 501


class Unavailable(ApiError):
    status_code = 503
