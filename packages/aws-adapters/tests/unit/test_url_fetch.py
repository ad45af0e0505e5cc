"""The URL fetcher: every refusal, redirects checked again, pinning to the checked address,
the size cap, the time limit and progress. A loopback test server is reachable only through
the policy's test-only switch."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.url_fetch import (
    FetchFailedError,
    FetchPolicy,
    FetchTimeoutError,
    RefusedUrlError,
    SourceTooLargeError,
    TooManyRedirectsError,
    check_url,
    display_url,
    fetch_to_file,
    refusal_reason,
)
from vidpipe_aws.url_import import import_url
from vidpipe_types.payloads import ImportRequest

POLICY = FetchPolicy()
TEST_POLICY = FetchPolicy(allow_loopback_for_tests=True, max_redirects=2, max_bytes=10_000)
BODY = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


# Refusals before any connection ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a.mp4", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("example.com/a.mp4", "only http and https"),
        ("https://user:secret@example.com/a.mp4", "user name or password"),
        ("https:///a.mp4", "has no host"),
        ("https://example.com:99999/a.mp4", "not a valid URL"),
        ("https://example.com/" + "a" * 2100, "at most 2048"),
    ],
)
def test_urls_that_are_not_fetchable_are_refused(url: str, message: str) -> None:
    with pytest.raises(RefusedUrlError, match=message):
        check_url(url, POLICY, resolver("93.184.216.34"))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not a public address"),
        ("::ffff:127.0.0.1", "loopback address (an IPv4 address inside IPv6)"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:a9fe:a9fe::1", "link-local"),
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and reason in found
    with pytest.raises(RefusedUrlError, match="only public addresses are fetched"):
        check_url("https://video.example/a.mp4", POLICY, resolver(address))


def test_the_loopback_switch_lets_loopback_through_and_nothing_else() -> None:
    assert refusal_reason(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert refusal_reason(ipaddress.ip_address("::ffff:127.0.0.1"), allow_loopback=True) is None
    link_local = refusal_reason(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)
    assert link_local is not None and "link-local" in link_local
    assert refusal_reason(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) is not None


def test_a_literal_private_address_in_the_url_is_refused_whatever_a_resolver_says() -> None:
    public = resolver("93.184.216.34")
    with pytest.raises(RefusedUrlError, match="169.254.169.254, a link-local address"):
        check_url("http://169.254.169.254/latest/meta-data/", POLICY, public)
    with pytest.raises(RefusedUrlError, match="loopback"):
        check_url("http://[::1]:8080/", POLICY, public)
    with pytest.raises(RefusedUrlError, match="inside IPv6"):
        check_url("http://[::ffff:169.254.169.254]/", POLICY, public)


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(RefusedUrlError, match="10.0.0.7"):
        check_url("https://video.example/a.mp4", POLICY, resolver("93.184.216.34", "10.0.0.7"))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(RefusedUrlError, match="does not resolve"):
        check_url("https://nowhere.invalid/a.mp4", POLICY, fails)
    with pytest.raises(RefusedUrlError, match="does not resolve to any address"):
        check_url("https://nowhere.invalid/a.mp4", POLICY, resolver())


def test_a_public_url_is_checked_with_its_port_and_target() -> None:
    checked = check_url("https://Video.Example/v/a.mp4?sig=x", POLICY, resolver("93.184.216.34"))
    assert (checked.scheme, checked.host, checked.port) == ("https", "video.example", 443)
    assert (checked.target, checked.address) == ("/v/a.mp4?sig=x", "93.184.216.34")


def test_messages_leave_out_the_query_and_credentials() -> None:
    assert display_url("https://u:p@host/a.mp4?X-Amz-Signature=abc") == "https://host/a.mp4"


# Against a loopback test server -----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hosts: list[str] = []

    def do_GET(self) -> None:
        self.hosts.append(self.headers.get("Host", ""))
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(0.2)
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            if value:  # an empty value leaves the header out (a body that ends at close)
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.hosts = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.routes = {
        "/video.mp4": (200, {"Content-Type": "video/mp4"}, BODY),
        "/to-video": (302, {"Location": "/video.mp4"}, b""),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/no-location": (302, {}, b""),
        "/big": (200, {"Content-Length": "999999"}, b"x"),
        "/forbidden": (403, {}, b"no"),
        "/unannounced": (200, {"Content-Length": ""}, b"y" * 20000),
    }
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_without_the_test_switch_the_loopback_server_is_refused(
    server: str, tmp_path: Path
) -> None:
    with pytest.raises(RefusedUrlError, match="loopback"):
        fetch_to_file(f"{server}/video.mp4", tmp_path / "out", POLICY)
    assert _Handler.hosts == []


def test_fetches_with_progress_and_follows_a_checked_redirect(server: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    result = fetch_to_file(
        f"{server}/to-video", tmp_path / "out", TEST_POLICY, progress=lambda *p: seen.append(p)
    )

    assert (tmp_path / "out").read_bytes() == BODY
    assert (result.size, result.redirects, result.content_type) == (len(BODY), 1, "video/mp4")
    assert result.final_url == f"{server}/video.mp4"
    assert seen and seen[-1] == (len(BODY), len(BODY))


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(
    server: str, tmp_path: Path
) -> None:
    port = server.rsplit(":", 1)[1]
    # `video.invalid` never resolves in DNS: reaching the server proves that the fetcher
    # connected to the address it checked rather than looking the name up again.
    fetch_to_file(
        f"http://video.invalid:{port}/video.mp4",
        tmp_path / "out",
        TEST_POLICY,
        resolve=resolver("127.0.0.1"),
    )
    assert _Handler.hosts == [f"video.invalid:{port}"]


def test_a_redirect_to_the_metadata_address_is_refused(server: str, tmp_path: Path) -> None:
    with pytest.raises(RefusedUrlError, match="169.254.169.254, a link-local address"):
        fetch_to_file(f"{server}/to-metadata", tmp_path / "out", TEST_POLICY)
    assert not (tmp_path / "out").exists()


def test_too_many_redirects_are_refused(server: str, tmp_path: Path) -> None:
    with pytest.raises(TooManyRedirectsError, match="more than 2 times"):
        fetch_to_file(f"{server}/loop", tmp_path / "out", TEST_POLICY)
    assert len(_Handler.hosts) == 3


def test_a_redirect_without_location_fails(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailedError, match="without a Location"):
        fetch_to_file(f"{server}/no-location", tmp_path / "out", TEST_POLICY)


def test_an_announced_size_over_the_cap_is_refused_before_reading(
    server: str, tmp_path: Path
) -> None:
    with pytest.raises(SourceTooLargeError, match="999999 bytes: at most 10000"):
        fetch_to_file(f"{server}/big", tmp_path / "out", TEST_POLICY)


def test_an_unannounced_body_over_the_cap_is_cut_off_and_removed(
    server: str, tmp_path: Path
) -> None:
    roomy = FetchPolicy(allow_loopback_for_tests=True, max_bytes=100_000)
    tight = FetchPolicy(allow_loopback_for_tests=True, max_bytes=15_000)
    assert fetch_to_file(f"{server}/unannounced", tmp_path / "ok", roomy).size == 20_000
    with pytest.raises(SourceTooLargeError, match="sent more than 15000 bytes"):
        fetch_to_file(f"{server}/unannounced", tmp_path / "out", tight)
    assert not (tmp_path / "out").exists()


def test_an_error_status_fails_with_it(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchFailedError, match="HTTP 403"):
        fetch_to_file(f"{server}/forbidden", tmp_path / "out", TEST_POLICY)


def test_a_fetch_over_the_time_limit_stops(server: str, tmp_path: Path) -> None:
    policy = FetchPolicy(allow_loopback_for_tests=True, timeout_seconds=0.5)
    with pytest.raises(FetchTimeoutError, match="longer than allowed"):
        fetch_to_file(f"{server}/slow", tmp_path / "out", policy)
    assert not (tmp_path / "out").exists()


def test_a_server_that_stops_sending_times_out(server: str, tmp_path: Path) -> None:
    policy = FetchPolicy(allow_loopback_for_tests=True, read_timeout_seconds=0.05)
    with pytest.raises(FetchTimeoutError, match="stopped sending"):
        fetch_to_file(f"{server}/slow", tmp_path / "out", policy)


def test_a_closed_port_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(FetchFailedError, match="cannot fetch http://127.0.0.1:9/"):
        fetch_to_file("http://127.0.0.1:9/", tmp_path / "out", TEST_POLICY)


def test_import_uploads_the_source_as_the_jobs_input(server: str, tmp_path: Path) -> None:
    storage = InMemoryObjectStorage()
    request = ImportRequest(
        job_id="j1",
        source_url=f"{server}/video.mp4",
        bucket="in",
        key="input/j1/source.mp4",
    )

    info = import_url(request, storage, TEST_POLICY, work_dir=tmp_path)

    assert info.size == len(BODY)
    assert (info.content_type, info.metadata) == ("video/mp4", {"job-id": "j1"})
    assert storage.get_bytes("in", "input/j1/source.mp4") == BODY
    assert list(tmp_path.iterdir()) == []
