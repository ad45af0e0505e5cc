"""The console's files are served by the API: the page at `/`, its modules under /console."""

from __future__ import annotations

import re

from vidpipe_api.console import ASSETS, console_url

from .conftest import Api


def test_the_page_is_served_at_the_root_with_a_strict_policy(api: Api) -> None:
    response = api.client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/console/app.js">' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_every_module_the_page_imports_is_served(api: Api) -> None:
    names = {"app.js", "style.css"}
    for path in ASSETS.glob("*.js"):
        names |= set(re.findall(r'from "\./([\w.-]+\.js)"', path.read_text()))
    for name in sorted(names):
        response = api.client.get(f"/console/{name}")
        assert response.status_code == 200, name
        assert "content-security-policy" in response.headers
    assert (
        api.client.get("/console/app.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )


def test_the_api_routes_are_unchanged_by_the_console(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    assert api.client.get("/v1/jobs").status_code == 401
    assert api.client.get("/console/missing.js").status_code == 404
    assert "/" not in api.client.get("/openapi.json").json()["paths"]


def test_console_url() -> None:
    assert console_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/"
    assert console_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/"
