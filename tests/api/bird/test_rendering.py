"""Messages written by other surfaces, in every core payload type, render as Bird messages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.bird.conftest import Bird, unique_phone

CARD = {
    "type": "card",
    "title": "Shoe",
    "actions": [{"action": "url", "label": "Buy", "value": "https://x.test"}],
}


@pytest.mark.parametrize(
    ("payload", "body_type"),
    [
        ({"type": "text", "text": "hi"}, "text"),
        ({"type": "markdown", "markdown": "**hi**"}, "text"),
        ({"type": "audio", "url": "https://x.test/a.mp3"}, "file"),
        ({"type": "video", "url": "https://x.test/a.mp4", "caption": "clip"}, "file"),
        (CARD, "carousel"),
        ({"type": "carousel", "items": [CARD, CARD]}, "carousel"),
        ({"type": "choice", "text": "pick", "options": [{"label": "A", "value": "a"}]}, "list"),
        ({"type": "dropdown", "text": "pick", "options": [{"label": "B", "value": "b"}]}, "list"),
        ({"type": "blocks", "blocks": [{"type": "text", "value": "para"}]}, "text"),
        ({"type": "custom", "name": "bot.thing", "data": {"words": "custom words"}}, "text"),
        ({"type": "template", "name": "welcome", "variables": ["Ann"]}, None),
    ],
)
async def test_core_payloads_render(
    client: httpx.AsyncClient, bird: Bird, payload: dict[str, Any], body_type: str | None
) -> None:
    created = await client.post(
        "/v1/messages",
        json={
            "channel_id": bird.channels["sms"],
            "recipients": [{"value": unique_phone()}],
            "payload": payload,
        },
        headers=bird.native,
    )
    assert created.status_code == 201, created.text
    message_id = created.json()["id"]
    response = await client.get(bird.ch("sms", f"/messages/{message_id}"), headers=bird.headers)
    assert response.status_code == 200, response.text
    rendered = response.json()
    if body_type is None:
        assert rendered["template"]["name"] == "welcome"
        assert rendered["template"]["parameters"][0]["value"] == "Ann"
    else:
        assert rendered["body"]["type"] == body_type
        assert rendered["body"][body_type]
