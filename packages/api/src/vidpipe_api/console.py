"""The web console: static files shipped in this package, served by the API itself.

`GET /` answers the page; `/console/*` its script modules and style sheet. The page talks to
the same `/v1` routes as any client, with the API key a person enters (kept in the tab's
sessionStorage, sent only in the `Authorization` header). No build step: plain JS modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS = Path(__file__).with_name("console_static")
CONSOLE_PATH = "/console"

#: Scripts and styles only from the API's own origin; media, images and the upload form's
#: target (S3) come from presigned URLs on another origin.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: http: data: blob:",
        "media-src 'self' https: http: blob:",
        "connect-src 'self' https: http:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def console_url(api_base_url: str) -> str:
    """Where a person opens the console of the API served at `api_base_url`."""
    return api_base_url.rstrip("/") + "/"


class _SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer of the wrapped static files."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)


def mount_console(app: FastAPI) -> None:
    """Serve the console at `/` and its assets under `/console`."""

    @app.get("/", include_in_schema=False)
    def console_page() -> FileResponse:
        return FileResponse(ASSETS / "index.html", headers=SECURITY_HEADERS)

    app.mount(CONSOLE_PATH, _SecurityHeaders(StaticFiles(directory=ASSETS)), name="console")
