"""The HTTP API next to a local stack: `vidpipe-api` as its own process on loopback, pointed
at the stack's resources, and a development API key for it.

Started through the same launcher as the workers, so that it ends with the vidpipe process
that started it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from vidpipe_cli._launch_env import LAUNCHER_MODULE
from vidpipe_cli.api_keys import api_key_store
from vidpipe_cli.errors import LocalStackError

if TYPE_CHECKING:
    from vidpipe_cli.local_stack import LocalStack
    from vidpipe_cli.worker_logs import LogSink

API_MODULE = "vidpipe_api"
#: The tenant of the key `vidpipe up` creates for trying the API out.
DEV_TENANT = "dev"


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalApi:
    """One `vidpipe-api` process on 127.0.0.1:`port`; its output goes to `sink`."""

    def __init__(self, stack: LocalStack, sink: LogSink, *, port: int = 0) -> None:
        self._stack = stack
        self._sink = sink
        self.port = port or free_loopback_port()
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_timeout: float = 60.0) -> LocalApi:
        env = {
            **self._stack.process_env(),
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.port),
            "API_KEYS_TABLE_NAME": self._stack.names.api_keys_table,
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", LAUNCHER_MODULE, API_MODULE],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._pump, name="log-api", daemon=True)
        self._reader.start()
        self._wait_ready(time.monotonic() + ready_timeout)
        return self

    def create_dev_key(self) -> str:
        """A new key of the `dev` tenant (the plain key; the table keeps only its hash)."""
        _, plaintext = api_key_store(self._stack.target()).create(DEV_TENANT, "vidpipe up")
        return plaintext

    def check(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise LocalStackError(f"the API exited with status {self._process.returncode}")

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(5)
        if process.stdout is not None:
            process.stdout.close()
        self._sink.close()

    def _pump(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            try:
                self._sink.write(line.rstrip("\n"))
            except (OSError, ValueError):
                continue

    def _wait_ready(self, deadline: float) -> None:
        while True:
            self.check()
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise LocalStackError(f"the API did not become ready at {self.url} in time")
            time.sleep(0.1)
