"""Request latency of the HTTP API vs the same reads and writes made with boto3 directly.

50 concurrent clients (threads, one keep-alive connection each) on loopback against a real
`vidpipe-api` process (uvicorn) over an embedded moto server: `GET /v1/jobs/{id}` (API key
check, job read, presigned output URLs) and `POST /v1/jobs` with an upload (key check, job
write, presigned POST form). The baselines make the same store calls with boto3 from the same
50 threads: a GetItem of the job (and of the key), and a conditional PutItem plus a presigned
POST. What the API adds is the HTTP hop, FastAPI's validation and serialisation, and the key
check. A bounded run: `--requests` per client.

    .venvs/cli/bin/python bench/bench_api.py [--clients 50] [--requests 20]

Every figure is measured in this one run; moto answers in the bench's own process (the API
in its own), so the absolute times are moto's and the machine's, and the difference between
a row and its baseline is what carries over.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

from vidpipe_aws import DynamoApiKeyStore, DynamoJobStore, S3Storage, provision
from vidpipe_aws.local_aws import EmbeddedAws, free_loopback_port
from vidpipe_cli import local_clients
from vidpipe_cli.local_stack import FAKE_CREDENTIALS
from vidpipe_types import Job, JobOptions, StackNames

REGION = "us-east-1"
NAMES = StackNames(prefix="bench-api")


def run_clients(clients: int, requests: int, call: Callable[[int, int], None]) -> list[float]:
    """`call(client, n)` from `clients` threads, `requests` times each; every latency in ms."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(index: int) -> None:
        own: list[float] = []
        start.wait()
        try:
            for n in range(requests):
                began = time.perf_counter()
                call(index, n)
                own.append((time.perf_counter() - began) * 1000)
        except BaseException as exc:  # reported below: a bench with failed requests is void
            with lock:
                errors.append(exc)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} clients failed; the first: {errors[0]!r}")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class ApiClient:
    """One keep-alive connection per client thread."""

    def __init__(self, port: int, key: str, clients: int) -> None:
        self._connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(clients)]
        self._headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def request(self, client: int, method: str, path: str, body: str | None = None) -> dict:
        connection = self._connections[client]
        connection.request(method, path, body=body, headers=self._headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data) if data else {}


def start_api(endpoint: str, stack_env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **FAKE_CREDENTIALS,
        **stack_env,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "API_KEYS_TABLE_NAME": NAMES.api_keys_table,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("AWS_PROFILE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "vidpipe_api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the API did not start") from None
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    args = parser.parse_args()
    aws = EmbeddedAws("127.0.0.1", 0)
    endpoint = aws.start()
    api: subprocess.Popen[bytes] | None = None
    try:
        clients = local_clients(endpoint, REGION)
        stack = provision(clients, NAMES)
        keys = DynamoApiKeyStore(clients.dynamodb, NAMES.api_keys_table)
        record, key = keys.create("bench", "bench_api")
        jobs = DynamoJobStore(clients.dynamodb, NAMES.jobs_table)
        storage = S3Storage(clients.s3)
        port = free_loopback_port()
        api = start_api(endpoint, stack.env(), port)
        http_api = ApiClient(port, key, args.clients)
        created = http_api.request(
            0, "POST", "/v1/jobs", '{"upload": {"content_type": "video/mp4"}}'
        )
        job_id = created["job"]["job_id"]
        body = json.dumps({"upload": {"content_type": "video/mp4"}, "metadata": {"bench": "1"}})

        # uvicorn closes a connection idle for 5 s: each API row gets fresh ones.
        def api_get(client: int, _n: int) -> None:
            get_client.request(client, "GET", f"/v1/jobs/{job_id}")

        def api_post(client: int, _n: int) -> None:
            post_client.request(client, "POST", "/v1/jobs", body)

        def boto_get(_client: int, _n: int) -> None:
            keys.get(record.key_id)
            jobs.get(job_id)

        def boto_post(client: int, n: int) -> None:
            keys.get(record.key_id)
            new_id = f"boto-{client}-{n}"
            key_name = f"input/{new_id}/source.mp4"
            jobs.create_if_absent(
                Job.new(new_id, NAMES.input_bucket, key_name, JobOptions(), datetime.now(UTC))
            )
            storage.presigned_post(
                NAMES.input_bucket,
                key_name,
                content_type="video/mp4",
                metadata={"job-id": new_id},
                max_bytes=5 * 1000**3,
                expires_in=900,
            )

        rows = []
        for name, call in (
            ("GET /v1/jobs/{id}", api_get),
            ("  boto3: GetItem key + job", boto_get),
            ("POST /v1/jobs (upload)", api_post),
            ("  boto3: GetItem key, PutItem job, presign POST", boto_post),
        ):
            get_client = ApiClient(port, key, args.clients)
            post_client = ApiClient(port, key, args.clients)
            run_clients(args.clients, 2, call)  # warm connections and caches, not measured
            started = time.perf_counter()
            latencies = run_clients(args.clients, args.requests, call)
            elapsed = time.perf_counter() - started
            rows.append((name, len(latencies), latencies, len(latencies) / elapsed))
    finally:
        if api is not None:
            api.terminate()
            api.wait(10)
        aws.stop()
    print(f"{args.clients} concurrent clients, {args.requests} requests each, loopback, moto")
    print(f"{'what':<50} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'req/s':>7}")
    for name, count, latencies, rate in rows:
        print(
            f"{name:<50} {count:>6} {percentile(latencies, 0.5):>8.1f} "
            f"{percentile(latencies, 0.99):>8.1f} {statistics.fmean(latencies):>8.1f} {rate:>7.0f}"
        )


if __name__ == "__main__":
    main()
