"""The request log: one line per request, whatever the path holds."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from hubbub.api.access_log import AccessLog


async def plain_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize(
    ("raw_path", "logged"),
    [
        ("/v1/messages?token=secret", "GET /v1/messages 204 "),
        ("/v1/%0aGET%20/forged%20200", "GET /v1/\\nGET /forged 200 204 "),
        ("/caf%C3%A9", "GET /café 204 "),
        ("/bell%07", "GET /bell\\x07 204 "),
    ],
)
async def test_a_request_is_one_line_without_its_query(
    caplog: pytest.LogCaptureFixture, raw_path: str, logged: str
) -> None:
    transport = httpx.ASGITransport(app=AccessLog(plain_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
        with caplog.at_level(logging.INFO, logger="hubbub.access"):
            await client.get(raw_path)
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(logged), line
    assert "\n" not in line
    assert "secret" not in line
