from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.templates.schemas import Template, TemplateCreate, TemplateFilter
from hubbub.templates.service import render
from hubbub.templates.service import template as template_service
from tests.conftest import WorkspaceFixture
from tests.messages.factories import make_channel


def body(**fields: Any) -> TemplateCreate:
    data: dict[str, Any] = {
        "name": "order_update",
        "language": "en",
        "platform": "whatsapp",
        "category": "UTILITY",
        "components": [
            {"type": "header", "format": "TEXT", "text": "Order {{1}}"},
            {"type": "body", "text": "Hi {{1}}, order {{2}} ships {{3}}. Thanks {{1}}!"},
            {"type": "footer", "text": "Reply STOP to opt out"},
            {"type": "buttons", "buttons": [{"type": "quick_reply", "text": "Track"}]},
        ],
    }
    data.update(fields)
    return TemplateCreate.model_validate(data)


class TestCreateAndRead:
    async def test_create_get_delete(self, workspace: WorkspaceFixture, session: Session) -> None:
        ws = workspace.id
        created = await template_service.create(session, ws, body())
        assert (created.name, created.language, created.status) == (
            "order_update",
            "en",
            "approved",
        )
        assert [c.type for c in created.components] == ["header", "body", "footer", "buttons"]
        assert await template_service.get_or_raise(session, ws, created.id) == created
        await template_service.delete(session, ws, created.id)
        assert await template_service.get(session, ws, created.id) is None
        with pytest.raises(NotFound):
            await template_service.delete(session, ws, created.id)
        page = await event_service.list(session, ws, limit=500)
        template_events = sorted(e.type for e in page.events if e.type.startswith("template."))
        assert template_events == ["template.created", "template.deleted"]

    async def test_channel_sets_the_platform(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel = await make_channel(session, workspace.id, "whatsapp")
        created = await template_service.create(
            session, workspace.id, body(platform=None, channel_id=channel.id)
        )
        assert (created.platform, created.channel_id) == ("whatsapp", channel.id)
        with pytest.raises(UnprocessableEntity) as wrong:
            await template_service.create(
                session, workspace.id, body(platform="sms", channel_id=channel.id)
            )
        assert wrong.value.field == "platform"
        with pytest.raises(UnprocessableEntity) as missing:
            await template_service.create(session, workspace.id, body(channel_id="nope"))
        assert missing.value.field == "channel_id"

    async def test_other_workspace_sees_nothing(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await template_service.create(session, workspace.id, body())
        assert await template_service.get(session, other_workspace.id, created.id) is None
        with pytest.raises(NotFound):
            await template_service.delete(session, other_workspace.id, created.id)
        rows, _ = await template_service.list(session, other_workspace.id, TemplateFilter())
        assert rows == []


class TestValidation:
    @pytest.mark.parametrize(
        ("components", "words"),
        [
            ([], "at least 1"),
            ([{"type": "header", "text": "x"}], "exactly one body"),
            ([{"type": "body", "text": "a"}, {"type": "body", "text": "b"}], "exactly one body"),
            (
                [
                    {"type": "body", "text": "a"},
                    {"type": "footer", "text": "b"},
                    {"type": "footer", "text": "c"},
                ],
                "more than once",
            ),
            ([{"type": "body", "text": "Hi {{2}}"}], "without gaps"),
            ([{"type": "body"}], "needs 'text'"),
            ([{"type": "body", "text": "x"}, {"type": "buttons"}], "needs 'buttons'"),
            ([{"type": "body", "text": "x", "buttons": [{"text": "b"}]}], "only a buttons"),
            ([{"type": "banner", "text": "x"}], "header"),
        ],
    )
    def test_bad_components(self, components: list[dict[str, Any]], words: str) -> None:
        with pytest.raises(ValidationError) as error:
            body(components=components)
        assert words in str(error.value)

    def test_bad_language(self) -> None:
        with pytest.raises(ValidationError):
            body(language="en US!")


class TestRender:
    async def test_fills_in_order_per_component(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await template_service.create(session, workspace.id, body())
        rendered = template_service.render(created, ["#42", "Ann", "#42", "today"])
        texts = [c.text for c in rendered.components]
        assert texts == [
            "Order #42",
            "Hi Ann, order #42 ships today. Thanks Ann!",
            "Reply STOP to opt out",
            None,
        ]
        assert [c.variables for c in rendered.components] == [
            ["#42"],
            ["Ann", "#42", "today"],
            [],
            [],
        ]
        assert rendered.text == (
            "Order #42\n\nHi Ann, order #42 ships today. Thanks Ann!\n\nReply STOP to opt out"
        )
        assert rendered.components[3].buttons is not None

    async def test_missing_and_extra_variables(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await template_service.create(session, workspace.id, body())
        with pytest.raises(UnprocessableEntity) as missing:
            render(created, ["#42", "Ann"])
        assert "{{3}} is missing" in missing.value.message
        assert missing.value.field == "variables"
        with pytest.raises(UnprocessableEntity) as extra:
            render(created, ["a", "b", "c", "d", "e"])
        assert "takes 4 variables but got 5" in extra.value.message

    async def test_no_placeholders_takes_no_variables(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await template_service.create(
            session, workspace.id, body(components=[{"type": "body", "text": "Hello there"}])
        )
        assert render(created, []).text == "Hello there"

    def test_placeholder_values_are_not_reexpanded(self) -> None:
        now = utcnow()
        template = Template(
            id="t",
            workspace_id="w",
            name="n",
            language="en",
            status="approved",
            components=body(components=[{"type": "body", "text": "{{1}} and {{2}}"}]).components,
            created_at=now,
            updated_at=now,
        )
        assert render(template, ["{{2}}", "x"]).text == "{{2}} and x"


class TestList:
    async def test_filters_and_pages_without_loss(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ws = workspace.id
        made = []
        for index in range(7):
            made.append(
                await template_service.create(
                    session,
                    ws,
                    body(
                        name=f"t{index % 2}",
                        language="en" if index < 4 else "nl",
                        category="MARKETING" if index % 3 == 0 else "UTILITY",
                    ),
                )
            )
        for order in ("asc", "desc"):
            seen: list[str] = []
            cursor = None
            while True:
                rows, cursor = await template_service.list(
                    session, ws, TemplateFilter(), limit=3, order=order, cursor=cursor
                )
                seen += [row.id for row in rows]
                if cursor is None:
                    break
            expected = [t.id for t in made]
            assert seen == (expected if order == "asc" else expected[::-1])
        cases = {
            "name": (TemplateFilter(name="t1"), lambda t: t.name == "t1"),
            "language": (TemplateFilter(language="nl"), lambda t: t.language == "nl"),
            "category": (TemplateFilter(category="MARKETING"), lambda t: t.category == "MARKETING"),
            "platform": (TemplateFilter(platform="whatsapp"), lambda t: True),
            "status": (TemplateFilter(status="pending"), lambda t: False),
            "two": (
                TemplateFilter(name="t0", language="en"),
                lambda t: t.name == "t0" and t.language == "en",
            ),
        }
        for label, (filters, holds) in cases.items():
            rows, _ = await template_service.list(session, ws, filters, order="asc")
            assert [r.id for r in rows] == [t.id for t in made if holds(t)], label

    async def test_bad_limit_and_cursor_order(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        with pytest.raises(InvalidInput) as error:
            await template_service.list(session, workspace.id, TemplateFilter(), limit=0)
        assert error.value.field == "limit"
        await template_service.create(session, workspace.id, body())
        await template_service.create(session, workspace.id, body())
        _, cursor = await template_service.list(
            session, workspace.id, TemplateFilter(), limit=1, order="asc"
        )
        with pytest.raises(InvalidCursor):
            await template_service.list(
                session, workspace.id, TemplateFilter(), order="desc", cursor=cursor
            )
