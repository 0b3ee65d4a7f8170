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


async def rendered_on_bird(
    client: httpx.AsyncClient, bird: Bird, payload: dict[str, Any]
) -> dict[str, Any]:
    """A message with ``payload`` written through the native API, read back as Bird's."""
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
    rendered: dict[str, Any] = response.json()
    return rendered


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
    rendered = await rendered_on_bird(client, bird, payload)
    if body_type is None:
        assert rendered["template"]["name"] == "welcome"
        assert rendered["template"]["parameters"][0]["value"] == "Ann"
    else:
        assert rendered["body"]["type"] == body_type
        assert rendered["body"][body_type]


async def test_media_keep_their_file_name_and_type(client: httpx.AsyncClient, bird: Bird) -> None:
    """Audio and video written elsewhere (Recrubo, WhatsApp) with a file name and a content
    type render with them, not with a generic type."""
    payload = {
        "type": "audio",
        "url": "https://x.test/a.ogg",
        "filename": "note.ogg",
        "content_type": "audio/ogg",
    }
    rendered = await rendered_on_bird(client, bird, payload)
    assert rendered["body"]["file"]["files"] == [
        {"mediaUrl": "https://x.test/a.ogg", "contentType": "audio/ogg", "filename": "note.ogg"}
    ]
