"""Every response says how long the server took to start it (``Server-Timing``)."""

from __future__ import annotations

import re
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from collector.api.timing import ServerTiming
from tests.collector.api.conftest import Api


def _duration_ms(header: str) -> float:
    found = re.fullmatch(r"app;dur=(\d+\.\d)", header)
    assert found is not None, header
    return float(found.group(1))


def test_the_header_counts_the_time_to_the_response_start() -> None:
    app = FastAPI()

    @app.get("/slow")
    def slow() -> dict[str, bool]:
        time.sleep(0.05)
        return {"ok": True}

    app.add_middleware(ServerTiming)
    with TestClient(app) as client:
        response = client.get("/slow")
    assert 50.0 <= _duration_ms(response.headers["server-timing"]) < 5000.0


def test_api_responses_and_problems_carry_it(api: Api) -> None:
    answered = api.client.get("/api/v1/health")
    refused = api.client.get("/api/v1/stock")  # no token: a 401 problem
    assert refused.status_code == 401
    for response in (answered, refused):
        assert _duration_ms(response.headers["server-timing"]) >= 0.0


def test_console_pages_carry_it(api: Api) -> None:
    page = api.client.get("/login")
    assert page.status_code == 200
    assert _duration_ms(page.headers["server-timing"]) >= 0.0
