"""Recrubo message templates: create, list, get, delete; no update."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.recrubo.conftest import Recrubo, only_error
from tests.api.recrubo.test_listing import all_pages


def template_body(**attributes: Any) -> dict[str, Any]:
    attributes.setdefault("name", "interview_invite")
    attributes.setdefault("language", "en")
    attributes.setdefault("components", [{"type": "BODY", "text": "Hi {{1}}, see you {{2}}"}])
    return {"data": {"type": "messageTemplates", "attributes": attributes}}


class TestCrud:
    async def test_create_get_delete(self, recrubo: Recrubo) -> None:
        body = template_body(
            category="Marketing",
            components=[
                {"type": "HEADER", "format": "Text", "text": "Invitation"},
                {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["John"]]}},
                {"type": "FOOTER", "text": "Recrubo"},
                {"type": "BUTTONS", "buttons": [{"type": "quick_reply", "text": "Yes"}]},
            ],
        )
        response = await recrubo.post("/message-templates", body)
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["type"] == "messageTemplates"
        attributes = data["attributes"]
        assert (attributes["name"], attributes["language"]) == ("interview_invite", "en")
        assert (attributes["category"], attributes["status"]) == ("MARKETING", "APPROVED")
        assert attributes["components"] == [
            {"type": "HEADER", "format": "Text", "text": "Invitation"},
            {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["John"]]}},
            {"type": "FOOTER", "text": "Recrubo"},
            {"type": "BUTTONS", "buttons": [{"type": "quick_reply", "text": "Yes"}]},
        ]
        assert attributes["preview"] == "Invitation\n\nHi {{1}}\n\nRecrubo"
        path = f"/message-templates/{data['id']}"
        assert (await recrubo.get(path)).json()["data"] == data
        assert (await recrubo.delete(path)).status_code == 204
        gone = await recrubo.get(path)
        assert gone.status_code == 404
        assert only_error(gone)["code"] == "not_found"

    async def test_no_update(self, recrubo: Recrubo) -> None:
        created = (await recrubo.post("/message-templates", template_body())).json()["data"]
        response = await recrubo.patch(
            f"/message-templates/{created['id']}", template_body(name="x")
        )
        assert response.status_code == 405
        error = only_error(response)
        assert error["code"] == "method_not_allowed"
        assert "cannot be updated" in error["detail"]
        assert (await recrubo.get(f"/message-templates/{created['id']}")).json()["data"] == created

    @pytest.mark.parametrize(
        ("attributes", "pointer", "words"),
        [
            ({"name": ""}, "/data/attributes/name", "at least 1"),
            ({"language": "e"}, "/data/attributes/language", "at least 2"),
            ({"language": "en US"}, "/data/attributes/language", "pattern"),
            ({"category": "Spam"}, "/data/attributes/category", "category is one of"),
            ({"components": []}, "/data/attributes/components", "at least 1"),
            (
                {"components": [{"type": "HEADER", "text": "x"}]},
                "/data/attributes/components",
                "exactly one body",
            ),
            (
                {"components": [{"type": "BODY", "text": "Hi {{3}}"}]},
                "/data/attributes/components/0/text",
                "without gaps",
            ),
            (
                {"components": [{"type": "BANNER", "text": "x"}]},
                "/data/attributes/components/0/type",
                "header",
            ),
            ({"components": [{"type": "BODY"}]}, "/data/attributes/components/0", "needs 'text'"),
            (
                {"components": [{"type": "BODY", "text": "x", "colour": "red"}]},
                "/data/attributes/components/0/colour",
                "not a member",
            ),
            ({"status": "APPROVED"}, "/data/attributes/status", "not a member"),
        ],
    )
    async def test_rules(
        self, recrubo: Recrubo, attributes: dict[str, Any], pointer: str, words: str
    ) -> None:
        response = await recrubo.post("/message-templates", template_body(**attributes))
        assert response.status_code == 422, response.text
        error = only_error(response)
        assert error["source"]["pointer"] == pointer
        assert words in error["detail"]


class TestList:
    async def test_filters_sort_paging(self, recrubo: Recrubo) -> None:
        made = []
        for name, language, category in [
            ("a", "en", "MARKETING"),
            ("b", "nl", "UTILITY"),
            ("a", "nl", "UTILITY"),
            ("c", "en", None),
            ("a", "en", "AUTHENTICATION"),
        ]:
            extra = {"category": category} if category else {}
            response = await recrubo.post(
                "/message-templates", template_body(name=name, language=language, **extra)
            )
            made.append(response.json()["data"])
        ids = [t["id"] for t in made]
        assert [
            t["id"]
            for t in await all_pages(recrubo, "/message-templates", {"sort": "createdAt"}, 2)
        ] == ids
        assert [t["id"] for t in await all_pages(recrubo, "/message-templates", {}, 2)] == ids[::-1]
        cases = {
            "filter[name]": ("a", lambda t: t["attributes"]["name"] == "a"),
            "filter[language]": ("nl", lambda t: t["attributes"]["language"] == "nl"),
            "filter[category]": ("utility", lambda t: t["attributes"]["category"] == "UTILITY"),
            "filter[status]": ("APPROVED", lambda t: True),
        }
        for parameter, (value, holds) in cases.items():
            found = await all_pages(
                recrubo, "/message-templates", {parameter: value, "sort": "createdAt"}
            )
            assert [t["id"] for t in found] == [t["id"] for t in made if holds(t)], parameter
        pending = await recrubo.get("/message-templates", **{"filter[status]": "pending"})
        assert pending.json()["data"] == []
        bad = await recrubo.get("/message-templates", **{"filter[status]": "lost"})
        assert bad.status_code == 400
        assert only_error(bad)["source"] == {"parameter": "filter[status]"}
