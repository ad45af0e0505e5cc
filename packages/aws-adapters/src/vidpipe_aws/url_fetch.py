"""Fetch a caller's URL to a file without letting the URL reach inside our network.

A URL import runs with the network access of the service that runs it: AWS's instance
metadata at 169.254.169.254, internal load balancers, a database on 10.x. So before any
connection the host is resolved and every address it resolves to must be public; the
connection then goes to the address that was checked (never a second lookup that a DNS
rebinding answer could change), with the URL's host kept for the Host header, TLS SNI and
certificate verification. Each redirect is checked the same way, and there are at most a few.
The download has a size cap and a time limit. Standard library only, so that any worker can
import it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_BYTES = 64 * 1024
_USER_AGENT = "vidpipe-url-import"
# 64:ff9b::/96 maps IPv4 addresses into IPv6 for NAT64 gateways.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UrlFetchError(Exception):
    """Root of every fetch error; each message says what was refused or what failed."""


class RefusedUrlError(UrlFetchError, ValueError):
    """The URL may not be fetched: scheme, credentials, unresolvable host, or an address
    that is not public (also when a redirect leads there)."""


class TooManyRedirectsError(UrlFetchError):
    """The URL redirected more often than the policy allows."""


class SourceTooLargeError(UrlFetchError):
    """The source announced or sent more bytes than the policy allows."""


class FetchTimeoutError(UrlFetchError):
    """The fetch took longer than the policy allows."""


class FetchFailedError(UrlFetchError):
    """The server could not be reached, broke the connection or answered with an error."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 5 * 1024**3
    #: The whole fetch, redirects included.
    timeout_seconds: float = 600.0
    #: Connecting, and each wait for the next bytes.
    read_timeout_seconds: float = 30.0
    max_redirects: int = 3
    #: Test-only: lets a test server on 127.0.0.1/::1 be fetched. Nothing outside tests may
    #: set it; every other non-public address is refused even then.
    allow_loopback_for_tests: bool = False


@dataclass(frozen=True)
class CheckedUrl:
    """A URL whose host resolved to public addresses only; `address` is the one to use."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    address: str


@dataclass(frozen=True)
class FetchResult:
    final_url: str
    size: int
    content_type: str | None
    redirects: int


def display_url(url: str) -> str:
    """The URL without its query and fragment, for messages: a query may hold a signature."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    return shown if len(shown) <= 200 else shown[:197] + "..."


def refusal_reason(address: IpAddress, *, allow_loopback: bool = False) -> str | None:
    """Why ``address`` may not be connected to, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded, allow_loopback=allow_loopback)
            return None if reason is None else f"{reason} (an IPv4 address inside IPv6)"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud instance metadata lives)"
    if address.is_multicast:
        return "a multicast address"
    # Before is_private, which also covers 240.0.0.0/4.
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (scope ids dropped)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def check_url(
    url: str, policy: FetchPolicy, resolve: Callable[[str, int], list[str]] = resolve_host
) -> CheckedUrl:
    """Parse, resolve and check ``url``; RefusedUrlError says why it may not be fetched."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrlError(f"the URL is {len(url)} characters long: at most {MAX_URL_LENGTH}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrlError(f"{display_url(url)} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedUrlError(
            f"only http and https URLs can be imported, not {scheme or 'a URL without scheme'!r}"
        )
    if parts.username is not None or parts.password is not None:
        raise RefusedUrlError(
            "URLs with a user name or password are not accepted: credentials would be stored"
            " with the job; use a presigned URL instead"
        )
    host = parts.hostname
    if not host:
        raise RefusedUrlError(f"{display_url(url)} has no host")
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port, resolve)
    for text in addresses:
        reason = refusal_reason(
            ipaddress.ip_address(text), allow_loopback=policy.allow_loopback_for_tests
        )
        if reason is not None:
            raise RefusedUrlError(
                f"host {host!r} resolves to {text}, {reason}: only public addresses are fetched"
            )
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    return CheckedUrl(url, scheme, host, port, target, addresses[0])


def _resolve(host: str, port: int, resolve: Callable[[str, int], list[str]]) -> list[str]:
    try:
        # An address written in the URL is the address: no resolver gets a say in it.
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise RefusedUrlError(f"host {host!r} does not resolve: {exc}") from None
    valid: list[str] = []
    for text in addresses:
        try:
            valid.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise RefusedUrlError(f"host {host!r} resolves to {text!r}, not an address") from None
    if not valid:
        raise RefusedUrlError(f"host {host!r} does not resolve to any address")
    return valid


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the URL's host."""

    def __init__(self, checked: CheckedUrl, timeout: float) -> None:
        super().__init__(checked.host, checked.port, timeout=timeout)
        self._address = checked.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS to the checked address, verifying the certificate against the URL's host."""

    def __init__(self, checked: CheckedUrl, timeout: float) -> None:
        super().__init__(checked, timeout)
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self.host)


def fetch_to_file(
    url: str,
    destination: Path,
    policy: FetchPolicy,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    resolve: Callable[[str, int], list[str]] = resolve_host,
) -> FetchResult:
    """Download ``url`` into ``destination``, following at most ``policy.max_redirects``
    checked redirects. ``progress(received, announced_or_None)`` runs after each chunk;
    ``resolve(host, port)`` lists the host's addresses (tests inject it). Raises a
    UrlFetchError subclass; a partial file is removed."""
    deadline = time.monotonic() + policy.timeout_seconds
    try:
        return _fetch(url, destination, policy, progress, resolve, deadline)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def _fetch(
    url: str,
    destination: Path,
    policy: FetchPolicy,
    progress: Callable[[int, int | None], None] | None,
    resolve: Callable[[str, int], list[str]],
    deadline: float,
) -> FetchResult:
    current = url
    for redirects in range(policy.max_redirects + 1):
        checked = check_url(current, policy, resolve)
        connection_type = (
            _PinnedHTTPSConnection if checked.scheme == "https" else _PinnedHTTPConnection
        )
        connection = connection_type(checked, timeout=policy.read_timeout_seconds)
        response: http.client.HTTPResponse | None = None
        try:
            response = _request(connection, checked, deadline)
            if response.status in _REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise FetchFailedError(
                        f"{display_url(current)} redirected ({response.status}) without a Location"
                    )
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchFailedError(
                    f"{display_url(current)} answered HTTP {response.status} {response.reason}"
                )
            size = _stream(response, destination, policy, progress, deadline, current)
            return FetchResult(current, size, response.getheader("Content-Type"), redirects)
        finally:
            # An HTTP/1.0 answer hands the socket to the response: close both, also when the
            # answer was a redirect or an error that was never read.
            if response is not None:
                response.close()
            connection.close()
    raise TooManyRedirectsError(
        f"{display_url(url)} redirected more than {policy.max_redirects} times"
    )


def _request(
    connection: http.client.HTTPConnection, checked: CheckedUrl, deadline: float
) -> http.client.HTTPResponse:
    _check_deadline(deadline, checked.url)
    try:
        connection.request(
            "GET",
            checked.target,
            headers={
                "User-Agent": _USER_AGENT,
                "Accept": "*/*",
                # Counted bytes are the stored bytes: no transparent decompression.
                "Accept-Encoding": "identity",
            },
        )
        return connection.getresponse()
    except TimeoutError:
        raise FetchTimeoutError(f"{display_url(checked.url)} did not answer in time") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailedError(f"cannot fetch {display_url(checked.url)}: {exc}") from None


def _stream(
    response: http.client.HTTPResponse,
    destination: Path,
    policy: FetchPolicy,
    progress: Callable[[int, int | None], None] | None,
    deadline: float,
    url: str,
) -> int:
    announced = _content_length(response)
    if announced is not None and announced > policy.max_bytes:
        raise SourceTooLargeError(
            f"{display_url(url)} is {announced} bytes: at most {policy.max_bytes} can be imported"
        )
    received = 0
    try:
        with destination.open("wb") as out:
            while chunk := response.read(_CHUNK_BYTES):
                received += len(chunk)
                if received > policy.max_bytes:
                    raise SourceTooLargeError(
                        f"{display_url(url)} sent more than {policy.max_bytes} bytes:"
                        f" at most {policy.max_bytes} can be imported"
                    )
                out.write(chunk)
                if progress is not None:
                    progress(received, announced)
                _check_deadline(deadline, url)
    except TimeoutError:
        raise FetchTimeoutError(f"{display_url(url)} stopped sending data") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchFailedError(f"fetching {display_url(url)} failed: {exc}") from None
    return received


def _content_length(response: http.client.HTTPResponse) -> int | None:
    value = response.getheader("Content-Length")
    return int(value) if value is not None and value.isdigit() else None


def _check_deadline(deadline: float, url: str) -> None:
    if time.monotonic() > deadline:
        raise FetchTimeoutError(f"fetching {display_url(url)} took longer than allowed")
