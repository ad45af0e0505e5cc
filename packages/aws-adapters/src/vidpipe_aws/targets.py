"""Where a local stack's AWS is: the embedded moto server, or an external endpoint.

One setting chooses it, `VIDPIPE_AWS_TARGET`: unset (or `moto`) is the embedded moto server,
as always; an URL such as `http://127.0.0.1:4566` (LocalStack) is an external endpoint, which
serves the services `VIDPIPE_AWS_TARGET_SERVICES` names (default `s3,sqs`). The other services
stay on the embedded moto server, reached through boto3's per-service endpoints
(`AWS_ENDPOINT_URL_DYNAMODB`, ...): LocalStack's DynamoDB runs DynamoDB Local, whose licence is
not open source, so vidpipe keeps DynamoDB on moto.

An external endpoint is reached through a loopback TCP proxy owned by this process, so that
`interrupt()` can make it refuse connections for a while (the outage tests) as stopping the
moto server does.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from vidpipe_aws.local_aws import EmbeddedAws, LocalAwsError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_aws.clients import AwsClients
    from vidpipe_types import StackNames

TARGET_VARIABLE = "VIDPIPE_AWS_TARGET"
SERVICES_VARIABLE = "VIDPIPE_AWS_TARGET_SERVICES"
#: The services vidpipe uses; each one is served by the external endpoint or by moto.
SERVICES: tuple[str, ...] = ("s3", "sqs", "dynamodb")
DEFAULT_EXTERNAL_SERVICES: tuple[str, ...] = ("s3", "sqs")


def endpoint_variable(service: str) -> str:
    """boto3's variable for one service's endpoint: `AWS_ENDPOINT_URL_S3`, ..."""
    return f"AWS_ENDPOINT_URL_{service.upper()}"


class TcpProxy:
    """Forward a loopback port to `upstream` (host, port); `interrupt` closes the listener and
    every open connection, `resume` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1") -> None:
        self._upstream = upstream
        self._host = host
        self._port = 0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def start(self) -> str:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self._host, self._port))
        listener.listen(128)
        self._port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self.url

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the accepting thread; close alone may not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            open_sockets, self._open = self._open, set()
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            with self._lock:
                self._open.discard(source)
            source.close()


class AwsTarget:
    """The AWS of a local stack: moto for every service, or an external endpoint for some
    (`external_url`, serving `external_services`) and moto for the rest."""

    def __init__(
        self,
        external_url: str | None = None,
        *,
        external_services: tuple[str, ...] = DEFAULT_EXTERNAL_SERVICES,
        host: str = "127.0.0.1",
        port: int = 0,
        proxy: bool = True,
        fresh: bool = True,
    ) -> None:
        unknown = set(external_services) - set(SERVICES)
        if unknown:
            raise LocalAwsError(f"unknown services for the external endpoint: {sorted(unknown)}")
        self.external_url = external_url.rstrip("/") if external_url else None
        self.external_services = external_services if external_url else ()
        #: Whether a stack on this target starts empty (its resources on the external endpoint
        #: deleted first, as a new moto server is empty), or keeps what is there.
        self.fresh = fresh
        self._moto = EmbeddedAws(host, port)
        self._proxy: TcpProxy | None = None
        if self.external_url:
            parts = urlsplit(self.external_url)
            if parts.scheme != "http" or not parts.hostname:
                raise LocalAwsError(f"an external endpoint is http://host:port, not {external_url}")
            if proxy:
                self._proxy = TcpProxy((parts.hostname, parts.port or 80), host)
        self.endpoint_url = ""
        self._service_urls: dict[str, str] = {}

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> AwsTarget:
        """The target `VIDPIPE_AWS_TARGET` (and `VIDPIPE_AWS_TARGET_SERVICES`) choose."""
        env = os.environ if environ is None else environ
        chosen = env.get(TARGET_VARIABLE, "").strip()
        if chosen in ("", "moto"):
            return cls(host=host, port=port)
        services = tuple(
            s.strip().lower() for s in env.get(SERVICES_VARIABLE, "s3,sqs").split(",") if s.strip()
        )
        return cls(chosen, external_services=services, host=host, port=port)

    @property
    def name(self) -> str:
        return "moto" if not self.external_url else f"{self.external_url} + moto"

    @property
    def uses_moto(self) -> bool:
        return set(self.external_services) != set(SERVICES)

    def start(self) -> str:
        """Start moto (when a service needs it) and the proxy; return the main endpoint URL."""
        moto_url = self._moto.start() if self.uses_moto else ""
        if self.external_url is None:
            self.endpoint_url = moto_url
            self._service_urls = {}
            return self.endpoint_url
        external = self.external_url
        if self._proxy is not None:
            try:
                external = self._proxy.start()
            except OSError as exc:
                self._moto.stop()
                raise LocalAwsError(f"cannot listen for the external endpoint: {exc}") from exc
        self.endpoint_url = external
        self._service_urls = {
            service: external if service in self.external_services else moto_url
            for service in SERVICES
        }
        return self.endpoint_url

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.stop()
        self._moto.stop()

    def env(self) -> dict[str, str]:
        """The endpoint variables a process needs: AWS_ENDPOINT_URL and, with an external
        endpoint, one AWS_ENDPOINT_URL_<SERVICE> per service."""
        if not self.endpoint_url:
            raise LocalAwsError("the local AWS is not started")
        env = {"AWS_ENDPOINT_URL": self.endpoint_url}
        for service, url in self._service_urls.items():
            env[endpoint_variable(service)] = url
        return env

    def interrupt(self) -> None:
        """Refuse connections for a while, keeping every resource (outage tests)."""
        if self.external_url and self._proxy is None:
            raise LocalAwsError("an external endpoint without the proxy cannot be interrupted")
        if self._proxy is not None:
            self._proxy.stop()
        if self.uses_moto:
            self._moto.interrupt()

    def resume(self) -> None:
        if self.uses_moto:
            self._moto.resume()
        if self._proxy is not None:
            self._proxy.start()

    def reset(self, clients: AwsClients | None = None) -> None:
        """Forget every resource: moto's reset; on the external endpoint, every bucket (with
        its objects) and every queue is deleted through `clients`."""
        if self.uses_moto:
            self._moto.reset()
        if self.external_url and clients is not None:
            if "s3" in self.external_services:
                for bucket in clients.s3.list_buckets().get("Buckets", []):
                    empty_bucket(clients, bucket["Name"])
                    clients.s3.delete_bucket(Bucket=bucket["Name"])
            if "sqs" in self.external_services:
                for url in clients.sqs.list_queues().get("QueueUrls", []):
                    clients.sqs.delete_queue(QueueUrl=url)

    def clear_stack(self, clients: AwsClients, names: StackNames) -> None:
        """Delete one stack's buckets and queues on the external endpoint, if they exist, so
        that provisioning starts it empty (as a fresh moto server is). moto's part of a target
        lives in this process and starts empty; nothing of other stacks is touched."""
        from botocore.exceptions import ClientError

        from vidpipe_types import Worker

        if "s3" in self.external_services:
            for bucket in (names.input_bucket, names.output_bucket):
                try:
                    empty_bucket(clients, bucket)
                    clients.s3.delete_bucket(Bucket=bucket)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
                        raise
        if "sqs" in self.external_services:
            for worker in Worker:
                for name in (names.queue(worker), names.dlq(worker)):
                    try:
                        url = clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
                    except ClientError:
                        continue
                    clients.sqs.delete_queue(QueueUrl=url)


def external_endpoint(
    environ: Mapping[str, str] | None = None,
) -> tuple[str, tuple[str, ...]] | None:
    """(URL, services) of the external endpoint VIDPIPE_AWS_TARGET names; None for moto."""
    target = AwsTarget.from_environment(environ)
    if target.external_url is None:
        return None
    return target.external_url, target.external_services


def empty_bucket(clients: AwsClients, bucket: str) -> None:
    """Delete every object of `bucket`."""
    paginator = clients.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            clients.s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})  # type: ignore[typeddict-item]


__all__ = [
    "DEFAULT_EXTERNAL_SERVICES",
    "SERVICES",
    "SERVICES_VARIABLE",
    "TARGET_VARIABLE",
    "AwsTarget",
    "TcpProxy",
    "empty_bucket",
    "external_endpoint",
    "endpoint_variable",
]
