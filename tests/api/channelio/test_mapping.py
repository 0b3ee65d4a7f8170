"""The content mapping on its own: Channel.io shapes into the core payload union and back, and
core payloads written on other surfaces rendered as Channel.io messages."""

from __future__ import annotations

import pytest

from hubbub.api.channelio import defaults, schemas
from hubbub.api.channelio.mapping import from_core, plain_text_of, to_core
from hubbub.errors import UnprocessableEntity
from hubbub.messages.payloads import (
    AudioPayload,
    Block,
    BlockFile,
    BlocksPayload,
    FilePayload,
    ImagePayload,
    LocationPayload,
    MarkdownPayload,
    TextPayload,
)


def test_plain_text_alone_is_a_core_text_payload() -> None:
    payload, tags = to_core(schemas.MessageCreate(plainText="hi"))
    assert payload == TextPayload(text="hi")
    assert tags == {}


def test_blocks_map_to_the_core_blocks_payload() -> None:
    data = schemas.MessageCreate.model_validate(
        {
            "blocks": [{"type": "text", "value": "a"}],
            "buttons": [{"title": "t", "url": "https://u"}],
            "files": [{"id": "1", "name": "n.pdf", "size": 9, "bucket": "b", "key": "k"}],
            "options": ["private"],
        }
    )
    payload, tags = to_core(data)
    assert isinstance(payload, BlocksPayload)
    assert payload.blocks == [Block(type="text", value="a")]
    assert payload.buttons is not None
    assert payload.buttons[0].action == "url"
    assert payload.buttons[0].value == "https://u"
    assert payload.files is not None
    assert payload.files[0].url.startswith("channelio-file://b/k?")
    assert payload.files[0].filename == "n.pdf"
    parts = from_core(payload, "", tags)
    assert parts["options"] == ["private"]
    assert parts["files"] == [{"id": "1", "name": "n.pdf", "size": 9, "bucket": "b", "key": "k"}]


def test_too_many_extras_are_refused() -> None:
    long = "x" * 255
    data = schemas.MessageCreate.model_validate(
        {
            "webPage": {
                "url": "https://u",
                "publisher": long,
                "author": long,
                "name": long,
                "id": long,
            }
        }
    )
    with pytest.raises(UnprocessableEntity):
        to_core(data)


def test_plain_text_strips_markup_and_nests() -> None:
    blocks = [
        Block(type="text", value='<b>Hi</b> <link type="url" value="https://x">there</link>'),
        Block(type="bullets", blocks=[Block(type="text", value="a &lt; b")]),
    ]
    assert plain_text_of(blocks) == "Hi there\na < b"


def test_other_surfaces_payloads_render() -> None:
    assert from_core(MarkdownPayload(markdown="*m*"), "*m*", {})["plainText"] == "*m*"
    image = from_core(ImagePayload(url="https://i/p.png", caption="cap"), "cap", {})
    assert image["plainText"] == "cap"
    assert image["files"][0]["key"] == "https://i/p.png"
    assert image["files"][0]["type"] == "image"
    voice = AudioPayload(url="https://a/v.ogg", filename="note.ogg", content_type="audio/ogg")
    voice_file = from_core(voice, "", {})["files"][0]
    assert (voice_file["type"], voice_file["name"], voice_file["contentType"]) == (
        "audio",
        "note.ogg",
        "audio/ogg",
    )
    document = from_core(
        FilePayload(url="https://f/d.pdf", filename="d.pdf", content_type="application/pdf"), "", {}
    )
    assert document["files"][0]["name"] == "d.pdf"
    assert document["files"][0]["contentType"] == "application/pdf"
    assert "blocks" not in document
    where = from_core(LocationPayload(latitude=1, longitude=2, title="Here"), "Here", {})
    assert where == {"blocks": [{"type": "text", "value": "Here"}], "plainText": "Here"}
    foreign = BlocksPayload(blocks=[], files=[BlockFile(url="https://cdn/x.bin")])
    assert from_core(foreign, "", {})["files"][0]["name"] == "x.bin"


def test_a_damaged_extras_tag_is_ignored() -> None:
    parts = from_core(TextPayload(text="t"), "t", {defaults.EXTRAS_TAG: "{not json"})
    assert "options" not in parts
