from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hubbub.messages.payloads import (
    MAX_TEXT,
    MEDIA_TYPES,
    message_type,
    payload_adapter,
    plain_text,
)

CARD = {
    "type": "card",
    "title": "Red shoes",
    "subtitle": "Size 42",
    "image_url": "https://example.com/shoe.png",
    "actions": [{"action": "url", "label": "Buy now", "value": "https://example.com/buy"}],
}

# Every payload type with the words its plain text must hold.
EXAMPLES: list[tuple[dict[str, Any], list[str]]] = [
    ({"type": "text", "text": "hello there", "html": "<b>hello</b> there"}, ["hello there"]),
    ({"type": "markdown", "markdown": "**bold** move"}, ["**bold** move"]),
    (
        {"type": "image", "url": "https://x/i.png", "caption": "a cat", "alt_text": "tabby"},
        ["a cat", "tabby"],
    ),
    ({"type": "audio", "url": "https://x/a.ogg"}, []),
    ({"type": "video", "url": "https://x/v.mp4", "caption": "the trailer"}, ["the trailer"]),
    (
        {"type": "file", "url": "https://x/f.pdf", "filename": "invoice.pdf", "caption": "yours"},
        ["invoice.pdf", "yours"],
    ),
    (
        {"type": "location", "latitude": 48.1, "longitude": 11.5, "title": "HQ", "address": "Main"},
        ["HQ", "Main"],
    ),
    (
        {"type": "choice", "text": "Pick one", "options": [{"label": "Tea", "value": "t"}]},
        ["Pick one", "Tea"],
    ),
    (
        {"type": "dropdown", "text": "Country?", "options": [{"label": "Chile", "value": "cl"}]},
        ["Country?", "Chile"],
    ),
    (CARD, ["Red shoes", "Size 42", "Buy now"]),
    ({"type": "carousel", "items": [CARD, {**CARD, "title": "Blue"}]}, ["Red shoes", "Blue"]),
    (
        {
            "type": "template",
            "name": "order_update",
            "language": "en",
            "variables": ["Ana", "#42"],
            "components": [{"type": "body"}],
        },
        ["order_update", "Ana", "#42"],
    ),
    (
        {
            "type": "blocks",
            "blocks": [
                {"type": "text", "value": "Steps:"},
                {"type": "bullets", "blocks": [{"type": "text", "value": "unplug it"}]},
                {"type": "code", "value": "reboot()", "language": "python"},
            ],
            "buttons": [{"action": "postback", "label": "Done", "value": "done"}],
            "files": [{"url": "https://x/m.pdf", "filename": "manual.pdf"}],
            "web_page": {"url": "https://x", "title": "Help centre"},
        },
        ["Steps:", "unplug it", "reboot()", "Done", "manual.pdf", "Help centre"],
    ),
    (
        {"type": "custom", "name": "quiz", "data": {"q": "Capital?", "a": ["Lima", 3, None]}},
        ["Capital?", "Lima"],
    ),
]


@pytest.mark.parametrize(("raw", "words"), EXAMPLES, ids=[raw["type"] for raw, _ in EXAMPLES])
def test_plain_text_of_every_type(raw: dict[str, Any], words: list[str]) -> None:
    payload = payload_adapter.validate_python(raw)
    text = plain_text(payload)
    for word in words:
        assert word in text
    if not words:
        assert text == ""


def test_every_type_has_an_example() -> None:
    union = payload_adapter.json_schema()["discriminator"]["mapping"]
    assert set(union) == {raw["type"] for raw, _ in EXAMPLES}


def test_custom_payload_names_the_message_type() -> None:
    custom = payload_adapter.validate_python({"type": "custom", "name": "poll", "data": {}})
    text = payload_adapter.validate_python({"type": "text", "text": "x"})
    assert (message_type(custom), message_type(text)) == ("poll", "text")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"type": "nope"}, None),
        ({"type": "text"}, "text"),
        ({"type": "text", "text": "x" * (MAX_TEXT + 1)}, "text"),
        ({"type": "text", "text": "x", "colour": "red"}, "colour"),
        ({"type": "location", "latitude": 91, "longitude": 0}, "latitude"),
        ({"type": "location", "latitude": 0, "longitude": -181}, "longitude"),
        (
            {
                "type": "card",
                "title": "t",
                "actions": [{"action": "jump", "label": "l", "value": "v"}],
            },
            "action",
        ),
        ({"type": "carousel", "items": []}, "items"),
        ({"type": "custom", "name": "n" * 201}, "name"),
    ],
)
def test_invalid_payloads_are_refused(raw: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        payload_adapter.validate_python(raw)
    if field is not None:
        assert any(field in map(str, error["loc"]) for error in caught.value.errors())


def test_custom_text_is_bounded() -> None:
    payload = payload_adapter.validate_python(
        {"type": "custom", "name": "big", "data": {"rows": ["word " * 1000] * 100}}
    )
    assert len(plain_text(payload)) < MAX_TEXT * 2


@pytest.mark.parametrize("kind", sorted(MEDIA_TYPES))
def test_every_media_payload_keeps_its_file_name_and_content_type(kind: str) -> None:
    raw = {"type": kind, "url": "https://x/f", "filename": "f.bin", "content_type": "x/y"}
    payload = payload_adapter.validate_python(raw)
    dumped = payload.model_dump(mode="json", exclude_none=True)
    assert dumped == raw
    assert next(iter(payload.model_dump())) == "type"  # rendered first, as on every payload
    with pytest.raises(ValidationError):
        payload_adapter.validate_python({**raw, "filename": "f" * 256})
