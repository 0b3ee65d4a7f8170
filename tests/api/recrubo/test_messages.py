"""Recrubo messages: send (text, template, base64 media), read, patch, delete, the delivery
status from the core machine and the WhatsApp 24-hour rule."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.delivery.runner import run_due
from tests.api.recrubo.conftest import Recrubo, only_error, text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GREETING = {
    "data": {
        "type": "messageTemplates",
        "attributes": {
            "name": "greeting",
            "language": "en",
            "category": "MARKETING",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Hello {{1}}"},
                {"type": "BODY", "text": "Hi {{1}}, your interview at {{2}} is on {{3}}."},
                {"type": "FOOTER", "text": "Recrubo"},
            ],
        },
    }
}


async def open_window(recrubo: Recrubo, thread_id: str) -> None:
    """The candidate writes: WhatsApp's 24-hour window opens."""
    await recrubo.sent(thread_id, text("Hi, I applied yesterday"), origin="inbound", sendBy="Ann")


class TestSendText:
    async def test_guide_form_on_an_sms_thread(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31612345678")
        response = await recrubo.send(thread_id, text("Hi, how are you!"), sendBy="John")
        assert response.status_code == 201
        assert response.headers["content-type"] == "application/vnd.api+json"
        data = response.json()["data"]
        assert data["type"] == "messages"
        attributes = data["attributes"]
        assert attributes["sendBy"] == "John"
        assert attributes["origin"] == "outbound"
        assert attributes["messageThreadId"] == thread_id
        assert attributes["payload"] == text("Hi, how are you!")
        assert (attributes["deliveryStatus"], attributes["errorMessages"]) == ("accepted", [])
        assert attributes["createdAt"].endswith("+00:00")
        assert data["relationships"]["messageThread"]["data"] == {
            "type": "messageThreads",
            "id": thread_id,
        }
        again = await recrubo.get(f"/messages/{data['id']}")
        assert again.json()["data"] == data

    async def test_resource_page_form_and_relationship(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000001")
        response = await recrubo.post(
            "/messages",
            {
                "data": {
                    "type": "messages",
                    "attributes": {
                        "sendBy": "Recrubo",
                        "payload": {"type": "text", "attributes": {"value": "Lets start"}},
                    },
                    "relationships": {
                        "messageThread": {"data": {"type": "messageThreads", "id": thread_id}}
                    },
                }
            },
        )
        assert response.status_code == 201, response.text
        attributes = response.json()["data"]["attributes"]
        assert attributes["messageThreadId"] == thread_id
        # Both request forms are read; the guide's form is written.
        assert attributes["payload"] == text("Lets start")

    async def test_plain_json_content_type_is_accepted(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000002")
        response = await recrubo.client.post(
            "/compat/recrubo/public/v2/messages",
            json={
                "data": {
                    "type": "messages",
                    "attributes": {
                        "sendBy": "x",
                        "messageThreadId": thread_id,
                        "payload": text("y"),
                    },
                }
            },
            headers=recrubo.workspace.headers,
        )
        assert response.status_code == 201


class TestDeliveryStatus:
    @pytest.mark.parametrize(
        ("steps", "shown"),
        [
            ([], "accepted"),
            (["sending"], "accepted"),
            (["sent"], "sent"),
            (["sent", "delivered"], "delivered"),
            (["delivered", "read"], "read"),
            (["sent", "failed"], "failed"),
        ],
    )
    async def test_follows_the_core_machine(
        self, recrubo: Recrubo, steps: list[str], shown: str
    ) -> None:
        thread_id = await recrubo.thread("sms", "+31600000003")
        message = await recrubo.sent(thread_id, text("status"))
        for step in steps:
            changed = await recrubo.client.post(
                f"/v1/messages/{message['id']}/status",
                json={"status": step},
                headers=recrubo.workspace.headers,
            )
            assert changed.status_code == 200, changed.text
        read = (await recrubo.get(f"/messages/{message['id']}")).json()["data"]["attributes"]
        assert read["deliveryStatus"] == shown
        if shown == "failed":
            assert read["errorMessages"][0]["stage"] == "delivery"
        else:
            assert read["errorMessages"] == []


class TestWhatsAppWindow:
    async def test_free_form_without_inbound_is_accepted_then_fails(
        self, recrubo: Recrubo, database: Database, settings: Settings
    ) -> None:
        thread_id = await recrubo.thread()
        response = await recrubo.send(thread_id, text("Hey! Lets start the chat"))
        # As Recrubo documents it: the POST accepts the message, the send then fails.
        assert response.status_code == 201
        attributes = response.json()["data"]["attributes"]
        assert (attributes["deliveryStatus"], attributes["errorMessages"]) == ("accepted", [])
        message_id = response.json()["data"]["id"]
        await run_due(database, settings, workspace_id=recrubo.workspace.id)
        read = (await recrubo.get(f"/messages/{message_id}")).json()["data"]["attributes"]
        assert read["deliveryStatus"] == "failed"
        [error] = read["errorMessages"]
        assert error["code"] == "service_window_closed"
        assert "template" in error["message"]
        interactions = await recrubo.client.get(
            f"/v1/messages/{message_id}/interactions", headers=recrubo.workspace.headers
        )
        assert [i["type"] for i in interactions.json()["data"]] == ["failed"]

    async def test_after_the_candidate_writes_it_is_accepted(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread()
        await open_window(recrubo, thread_id)
        message = await recrubo.sent(thread_id, text("Thanks for writing"))
        assert message["attributes"]["deliveryStatus"] == "accepted"

    async def test_templates_and_other_channels_are_unrestricted(self, recrubo: Recrubo) -> None:
        template = await recrubo.post("/message-templates", GREETING)
        thread_id = await recrubo.thread()
        message = await recrubo.sent(
            thread_id,
            {
                "type": "template",
                "template": {
                    "id": template.json()["data"]["id"],
                    "components": [
                        {"type": "header", "parameters": [{"type": "text", "text": "Ann"}]},
                        {
                            "type": "body",
                            "parameters": [
                                {"type": "text", "text": "Ann"},
                                {"type": "text", "text": "Recrubo HQ"},
                                {"type": "text", "text": "Monday"},
                            ],
                        },
                    ],
                },
            },
        )
        assert message["attributes"]["deliveryStatus"] == "accepted"
        sms_thread = await recrubo.thread("sms", "+31612345678")
        sms = await recrubo.sent(sms_thread, text("no window on sms"))
        assert sms["attributes"]["deliveryStatus"] == "accepted"


class TestTemplates:
    async def test_variables_fill_placeholders_in_order(self, recrubo: Recrubo) -> None:
        template_id = (await recrubo.post("/message-templates", GREETING)).json()["data"]["id"]
        thread_id = await recrubo.thread("sms", "+31600000004")
        components = [
            {"type": "header", "parameters": [{"type": "text", "text": "Ann"}]},
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ann"},
                    {"type": "text", "text": "Recrubo HQ"},
                    {"type": "text", "text": "Monday"},
                ],
            },
        ]
        message = await recrubo.sent(
            thread_id,
            {"type": "template", "template": {"id": template_id, "components": components}},
        )
        payload = message["attributes"]["payload"]
        assert payload["type"] == "template"
        assert payload["template"]["id"] == template_id
        assert payload["template"]["components"] == [
            {"type": "header", "parameters": components[0]["parameters"]},
            {"type": "body", "parameters": components[1]["parameters"]},
            {"type": "footer", "parameters": []},
        ]
        # The core holds the rendered text: a native read shows what the candidate gets.
        native = await recrubo.client.get(
            f"/v1/messages/{message['id']}", headers=recrubo.workspace.headers
        )
        rendered = [c["text"] for c in native.json()["payload"]["components"]]
        assert rendered == [
            "Hello Ann",
            "Hi Ann, your interview at Recrubo HQ is on Monday.",
            "Recrubo",
        ]
        assert native.json()["payload"]["variables"] == ["Ann", "Ann", "Recrubo HQ", "Monday"]

    async def test_template_without_variables(self, recrubo: Recrubo) -> None:
        body = {
            "data": {
                "type": "messageTemplates",
                "attributes": {
                    "name": "plain",
                    "language": "en",
                    "components": [{"type": "BODY", "text": "Welcome!"}],
                },
            }
        }
        template_id = (await recrubo.post("/message-templates", body)).json()["data"]["id"]
        thread_id = await recrubo.thread()
        message = await recrubo.sent(
            thread_id, {"type": "template", "template": {"id": template_id}}
        )
        assert message["attributes"]["deliveryStatus"] == "accepted"

    @pytest.mark.parametrize(
        ("components", "pointer", "words"),
        [
            (
                [{"type": "header", "parameters": [{"type": "text", "text": "Ann"}]}],
                "/data/attributes/payload/template/components",
                "{{1}} is missing",
            ),
            (
                [
                    {"type": "header", "parameters": [{"type": "text", "text": "A"}] * 2},
                    {"type": "body", "parameters": [{"type": "text", "text": "A"}] * 3},
                ],
                "/data/attributes/payload/template/components",
                "takes 1 variables but got 2",
            ),
            (
                [{"type": "buttons", "parameters": []}],
                "/data/attributes/payload/template/components",
                "no buttons component",
            ),
            (
                [{"type": "body", "parameters": [{"type": "image", "image": {}}]}],
                "/data/attributes/payload/template/components/0/parameters/0",
                "parameter",
            ),
            ("body", "/data/attributes/payload/template/components", "array"),
            (
                [{"type": "body"}, {"type": "BODY"}],
                "/data/attributes/payload/template/components/1/type",
                "twice",
            ),
        ],
    )
    async def test_bad_variables(
        self, recrubo: Recrubo, components: Any, pointer: str, words: str
    ) -> None:
        template_id = (await recrubo.post("/message-templates", GREETING)).json()["data"]["id"]
        thread_id = await recrubo.thread()
        response = await recrubo.send(
            thread_id,
            {"type": "template", "template": {"id": template_id, "components": components}},
        )
        assert response.status_code == 422
        error = only_error(response)
        assert error["source"]["pointer"] == pointer
        assert words in error["detail"]

    async def test_unknown_template(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread()
        response = await recrubo.send(thread_id, {"type": "template", "template": {"id": "nope"}})
        assert response.status_code == 422
        assert only_error(response)["source"]["pointer"] == "/data/attributes/payload/template/id"


class TestMedia:
    @pytest.mark.parametrize(
        ("kind", "mime_type", "core_type"),
        [
            ("image", "image/png", "image"),
            ("video", "video/mp4", "video"),
            ("audio", "audio/ogg", "audio"),
            ("document", "application/pdf", "file"),
        ],
    )
    async def test_base64_is_stored_and_linked(
        self, recrubo: Recrubo, kind: str, mime_type: str, core_type: str
    ) -> None:
        thread_id = await recrubo.thread("sms", "+31600000005")
        media: dict[str, Any] = {
            "data": base64.b64encode(PNG).decode(),
            "mime_type": mime_type,
            "filename": f"file.{kind}",
        }
        if kind != "audio":
            media["caption"] = "Our office"
        message = await recrubo.sent(thread_id, {"type": kind, kind: media})
        payload = message["attributes"]["payload"]
        assert payload["type"] == kind
        assert "data" not in payload[kind]
        if kind != "audio":
            assert payload[kind]["caption"] == "Our office"
        if kind == "document":
            assert (payload[kind]["filename"], payload[kind]["mime_type"]) == (
                "file.document",
                mime_type,
            )
        download = await recrubo.client.get(payload[kind]["url"])
        assert download.status_code == 200
        assert download.content == PNG
        native = await recrubo.client.get(
            f"/v1/messages/{message['id']}", headers=recrubo.workspace.headers
        )
        assert native.json()["type"] == core_type

    @pytest.mark.parametrize(
        ("kind", "mime_type", "caption"),
        [
            ("image", "image/png", "Our office"),
            ("video", "video/mp4", "The tour"),
            ("audio", "audio/ogg", None),
            ("document", "application/pdf", "Your contract"),
        ],
    )
    async def test_every_member_reads_back(
        self, recrubo: Recrubo, kind: str, mime_type: str, caption: str | None
    ) -> None:
        """caption, filename and mime_type come back from every read, on every surface: the
        message holds them, not only the stored file."""
        thread_id = await recrubo.thread("sms", "+31600000007")
        sent: dict[str, Any] = {
            "data": base64.b64encode(PNG).decode(),
            "mime_type": mime_type,
            "filename": f"welcome.{kind}",
        }
        if caption is not None:
            sent["caption"] = caption
        message = await recrubo.sent(thread_id, {"type": kind, kind: sent})
        created = message["attributes"]["payload"]
        expected = {name: value for name, value in sent.items() if name != "data"}
        assert created == {"type": kind, kind: {**expected, "url": created[kind]["url"]}}
        one = await recrubo.get(f"/messages/{message['id']}")
        assert one.json()["data"]["attributes"]["payload"] == created
        listed = await recrubo.get("/messages", **{"filter[messageThreadId]": thread_id})
        assert [m["attributes"]["payload"] for m in listed.json()["data"]] == [created]
        native = await recrubo.client.get(
            f"/v1/messages/{message['id']}", headers=recrubo.workspace.headers
        )
        core = native.json()["payload"]
        assert (core["filename"], core["content_type"]) == (f"welcome.{kind}", mime_type)
        assert core.get("caption") == caption
        assert core["url"] == created[kind]["url"]

    async def test_a_patched_payload_keeps_its_members(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000008")
        message = await recrubo.sent(thread_id, text("the plan follows"))
        image = {"data": base64.b64encode(PNG).decode(), "mime_type": "image/png"}
        image |= {"filename": "plan.png", "caption": "The plan"}
        response = await recrubo.patch(
            f"/messages/{message['id']}",
            {
                "data": {
                    "type": "messages",
                    "id": message["id"],
                    "attributes": {"payload": {"type": "image", "image": image}},
                }
            },
        )
        assert response.status_code == 200, response.text
        patched = response.json()["data"]["attributes"]["payload"]["image"]
        assert (patched["filename"], patched["mime_type"], patched["caption"]) == (
            "plan.png",
            "image/png",
            "The plan",
        )
        again = await recrubo.get(f"/messages/{message['id']}")
        assert again.json()["data"]["attributes"]["payload"]["image"] == patched

    @pytest.mark.parametrize(
        ("payload", "pointer", "words"),
        [
            ({"type": "image"}, "/data/attributes/payload/image", "needs an 'image' object"),
            (
                {"type": "image", "image": {"mime_type": "image/png"}},
                "/data/attributes/payload/image/data",
                "base64",
            ),
            (
                {"type": "image", "image": {"data": "not base64!", "mime_type": "image/png"}},
                "/data/attributes/payload/image/data",
                "not valid base64",
            ),
            (
                {"type": "image", "image": {"data": "aGVsbG8="}},
                "/data/attributes/payload/image/mime_type",
                "mime_type is required",
            ),
            (
                {"type": "image", "image": {"data": "aGVsbG8=", "mime_type": "video/mp4"}},
                "/data/attributes/payload/image/mime_type",
                "image/*",
            ),
            (
                {
                    "type": "audio",
                    "audio": {"data": "aGVsbG8=", "mime_type": "audio/ogg", "caption": "x"},
                },
                "/data/attributes/payload/audio/caption",
                "no caption",
            ),
            (
                {"type": "image", "image": {"data": "aGVsbG8=", "mime_type": "image/png", "x": 1}},
                "/data/attributes/payload/image/x",
                "not a member",
            ),
            (
                {
                    "type": "video",
                    "video": {"data": "aGVsbG8=", "mime_type": "video/mp4", "caption": 5},
                },
                "/data/attributes/payload/video/caption",
                "string",
            ),
        ],
    )
    async def test_bad_media(
        self, recrubo: Recrubo, payload: dict[str, Any], pointer: str, words: str
    ) -> None:
        thread_id = await recrubo.thread("sms", "+31600000006")
        response = await recrubo.send(thread_id, payload)
        assert response.status_code == 422, response.text
        error = only_error(response)
        assert error["source"]["pointer"] == pointer
        assert words in error["detail"]


class TestValidation:
    @pytest.mark.parametrize(
        ("attributes", "pointer"),
        [
            ({"payload": {"type": "text", "text": {"value": "x"}}}, "/data/attributes/sendBy"),
            (
                {"sendBy": "", "payload": {"type": "text", "text": {"value": "x"}}},
                "/data/attributes/sendBy",
            ),
            (
                {"sendBy": "x" * 201, "payload": {"type": "text", "text": {"value": "x"}}},
                "/data/attributes/sendBy",
            ),
            ({"sendBy": "R"}, "/data/attributes/payload"),
            ({"sendBy": "R", "payload": {"type": "sticker"}}, "/data/attributes/payload/type"),
            (
                {"sendBy": "R", "payload": {"type": "text"}},
                "/data/attributes/payload/attributes/value",
            ),
            (
                {"sendBy": "R", "payload": {"type": "text", "text": {"value": " "}}},
                "/data/attributes/payload/text/value",
            ),
            (
                {"sendBy": "R", "payload": {"type": "text", "text": {"value": "x" * 20000}}},
                "/data/attributes/payload/text/value",
            ),
            (
                {"sendBy": "R", "payload": {"type": "text", "text": {"value": "x"}, "extra": 1}},
                "/data/attributes/payload/extra",
            ),
            (
                {
                    "sendBy": "R",
                    "origin": "sideways",
                    "payload": {"type": "text", "text": {"value": "x"}},
                },
                "/data/attributes/origin",
            ),
            (
                {
                    "sendBy": "R",
                    "deliveryStatus": "read",
                    "payload": {"type": "text", "text": {"value": "x"}},
                },
                "/data/attributes/deliveryStatus",
            ),
        ],
    )
    async def test_attribute_rules(
        self, recrubo: Recrubo, attributes: dict[str, Any], pointer: str
    ) -> None:
        thread_id = await recrubo.thread("sms", "+31600000007")
        response = await recrubo.post(
            "/messages",
            {
                "data": {
                    "type": "messages",
                    "attributes": {"messageThreadId": thread_id, **attributes},
                }
            },
        )
        assert response.status_code == 422, response.text
        error = only_error(response)
        assert error["source"]["pointer"] == pointer
        assert error["code"] == "unprocessable_entity"

    async def test_thread_is_required_and_must_exist(self, recrubo: Recrubo) -> None:
        base = {"sendBy": "R", "payload": text("x")}
        missing = await recrubo.post(
            "/messages", {"data": {"type": "messages", "attributes": base}}
        )
        assert missing.status_code == 422
        assert only_error(missing)["source"]["pointer"] == "/data/attributes/messageThreadId"
        unknown = await recrubo.send("not-a-thread", text("x"))
        assert unknown.status_code == 422
        assert "not found" in only_error(unknown)["detail"]
        thread_id = await recrubo.thread("sms", "+31600000008")
        relationship = {"messageThread": {"data": {"type": "messageThreads", "id": "other"}}}
        differ = await recrubo.post(
            "/messages",
            {
                "data": {
                    "type": "messages",
                    "attributes": {**base, "messageThreadId": thread_id},
                    "relationships": relationship,
                }
            },
        )
        assert differ.status_code == 422
        assert "differ" in only_error(differ)["detail"]

    async def test_several_bad_members_give_several_errors(self, recrubo: Recrubo) -> None:
        response = await recrubo.post(
            "/messages", {"data": {"type": "messages", "attributes": {"bogus": 1}}}
        )
        assert response.status_code == 422
        pointers = {e["source"]["pointer"] for e in response.json()["errors"]}
        assert pointers == {
            "/data/attributes/sendBy",
            "/data/attributes/payload",
            "/data/attributes/bogus",
        }

    @pytest.mark.parametrize(
        ("content", "status", "pointer"),
        [
            (b"{not json", 400, "/data"),
            (b"[]", 400, "/data"),
            (b'{"data": 5}', 400, "/data"),
            (b'{"data": {"type": "messageThreads", "attributes": {}}}', 409, "/data/type"),
        ],
    )
    async def test_malformed_documents(
        self, recrubo: Recrubo, content: bytes, status: int, pointer: str
    ) -> None:
        response = await recrubo.client.post(
            "/compat/recrubo/public/v2/messages", content=content, headers=recrubo.headers
        )
        assert response.status_code == status
        assert only_error(response)["source"]["pointer"] == pointer

    async def test_other_content_types_are_refused(self, recrubo: Recrubo) -> None:
        response = await recrubo.client.post(
            "/compat/recrubo/public/v2/messages",
            content=b"sendBy=x",
            headers={**recrubo.workspace.headers, "Content-Type": "text/plain"},
        )
        assert response.status_code == 415
        assert only_error(response)["code"] == "unsupported_media_type"


class TestPatchAndDelete:
    async def test_patch_send_by_and_payload(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000009")
        message = await recrubo.sent(thread_id, text("first"), sendBy="John")
        path = f"/messages/{message['id']}"
        response = await recrubo.patch(
            path,
            {
                "data": {
                    "type": "messages",
                    "id": message["id"],
                    "attributes": {"sendBy": "Jane", "payload": text("second")},
                }
            },
        )
        assert response.status_code == 200, response.text
        attributes = response.json()["data"]["attributes"]
        assert (attributes["sendBy"], attributes["payload"]) == ("Jane", text("second"))
        assert (await recrubo.get(path)).json()["data"]["attributes"]["sendBy"] == "Jane"

    @pytest.mark.parametrize(
        ("body", "status", "pointer"),
        [
            (
                {"data": {"type": "messages", "attributes": {"origin": "inbound"}}},
                422,
                "/data/attributes/origin",
            ),
            (
                {"data": {"type": "messages", "attributes": {"messageThreadId": "x"}}},
                422,
                "/data/attributes/messageThreadId",
            ),
            (
                {"data": {"type": "messages", "attributes": {"payload": {"type": "x"}}}},
                422,
                "/data/attributes/payload/type",
            ),
            ({"data": {"type": "messages", "id": "another", "attributes": {}}}, 409, "/data/id"),
        ],
    )
    async def test_patch_rules(
        self, recrubo: Recrubo, body: dict[str, Any], status: int, pointer: str
    ) -> None:
        thread_id = await recrubo.thread("sms", "+31600000010")
        message = await recrubo.sent(thread_id, text("first"))
        response = await recrubo.patch(f"/messages/{message['id']}", body)
        assert response.status_code == status, response.text
        assert only_error(response)["source"]["pointer"] == pointer

    async def test_delete(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000011")
        message = await recrubo.sent(thread_id, text("bye"))
        path = f"/messages/{message['id']}"
        deleted = await recrubo.delete(path)
        assert deleted.status_code == 204
        gone = await recrubo.get(path)
        assert gone.status_code == 404
        assert only_error(gone)["code"] == "not_found"
        assert (await recrubo.delete(path)).status_code == 404


async def test_unknown_message(recrubo: Recrubo, client: httpx.AsyncClient) -> None:
    response = await recrubo.get("/messages/missing")
    assert response.status_code == 404
    assert only_error(response)["title"] == "Not Found"
