import http.client
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from vidpipe_aws.runner import HealthServer, HealthStatus


class StatusBox:
    def __init__(self) -> None:
        self.status = HealthStatus(ready=True, active_jobs=1, max_concurrent=2, draining=False)
        self.broken = False

    def __call__(self) -> HealthStatus:
        if self.broken:
            raise RuntimeError("model check crashed")
        return self.status


@pytest.fixture
def box() -> StatusBox:
    return StatusBox()


@pytest.fixture
def server(box: StatusBox) -> Iterator[HealthServer]:
    server = HealthServer(box, host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


def get(server: HealthServer, path: str) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_port_zero_picks_a_free_port(server: HealthServer) -> None:
    assert server.port > 0


def test_liveness_answers_while_the_process_runs(server: HealthServer, box: StatusBox) -> None:
    box.status = replace(box.status, ready=False, draining=True)
    assert get(server, "/health") == (200, {"status": "ok"})


def test_ready_reports_jobs_and_capacity(server: HealthServer) -> None:
    assert get(server, "/health/ready") == (
        200,
        {"ready": True, "active_jobs": 1, "max_concurrent": 2, "draining": False},
    )


@pytest.mark.parametrize(("ready", "draining"), [(False, False), (True, True), (False, True)])
def test_not_ready_or_draining_answers_503(
    server: HealthServer, box: StatusBox, ready: bool, draining: bool
) -> None:
    box.status = replace(box.status, ready=ready, draining=draining)
    status, body = get(server, "/health/ready")
    assert status == 503
    assert (body["ready"], body["draining"]) == (ready, draining)


def test_a_readiness_check_that_raises_means_not_ready(
    server: HealthServer, box: StatusBox
) -> None:
    box.broken = True
    status, body = get(server, "/health/ready")
    assert status == 503
    assert body["ready"] is False


def test_unknown_paths_are_404(server: HealthServer) -> None:
    assert get(server, "/metrics")[0] == 404


def test_a_worker_adds_json_routes_of_its_own(box: StatusBox) -> None:
    calls: list[int] = []

    def models() -> dict[str, object]:
        calls.append(1)
        return {"models": [{"name": "pose", "loaded": True}]}

    def broken() -> dict[str, object]:
        raise RuntimeError("no models")

    server = HealthServer(
        box, host="127.0.0.1", port=0, routes={"/health/models": models, "/health/broken": broken}
    )
    server.start()
    try:
        assert get(server, "/health/models/") == (
            200,
            {"models": [{"name": "pose", "loaded": True}]},
        )
        assert get(server, "/health/broken") == (500, {"error": "route failed"})
        assert get(server, "/health") == (200, {"status": "ok"})
    finally:
        server.stop()
    assert calls == [1]


def test_the_runners_own_routes_cannot_be_replaced(box: StatusBox) -> None:
    with pytest.raises(ValueError, match="runner's own"):
        HealthServer(box, host="127.0.0.1", port=0, routes={"/health/ready": dict})
