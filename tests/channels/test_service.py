"""ChannelService against the real database. Fixtures that open their own transaction
(``workspace``, ``other_workspace``) come before ``session``: on SQLite a second write
transaction would wait for the session's forever."""

from __future__ import annotations

import pytest

from hubbub.channels.schemas import ChannelCreate, ChannelUpdate
from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound
from hubbub.events.service import event as event_service
from tests.channels.configs import SMS, SMS_OTHER
from tests.conftest import WorkspaceFixture


def sms(name: str = "Support line", **fields: object) -> ChannelCreate:
    return ChannelCreate.model_validate({"platform": "sms", "name": name, **fields})


class TestCreate:
    async def test_stores_the_channel(self, workspace: WorkspaceFixture, session: Session) -> None:
        created = await channel_service.create(
            session, workspace.id, sms(identifier="+15550100", config=SMS)
        )
        assert created.workspace_id == workspace.id
        assert created.created_at == created.updated_at
        assert await channel_service.get(session, workspace.id, created.id) == created

    async def test_records_a_channel_created_event_without_the_config(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(session, workspace.id, sms(config=SMS))
        page = await event_service.list(session, workspace.id, types=["channel.created"])
        assert [e.data for e in page.events] == [
            {
                "channel_id": created.id,
                "platform": "sms",
                "name": "Support line",
                "identifier": None,
            }
        ]


class TestGet:
    async def test_a_channel_of_another_workspace_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(session, workspace.id, sms())
        assert await channel_service.get(session, other_workspace.id, created.id) is None
        with pytest.raises(NotFound) as raised:
            await channel_service.get_or_raise(session, other_workspace.id, created.id)
        assert (raised.value.resource, raised.value.resource_id) == ("channel", created.id)


class TestList:
    async def test_lists_the_workspace_channels_in_creation_order(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        first = await channel_service.create(session, workspace.id, sms("first"))
        second = await channel_service.create(
            session, workspace.id, ChannelCreate(platform="email", name="second")
        )
        await channel_service.create(session, other_workspace.id, sms("elsewhere"))
        assert await channel_service.list(session, workspace.id) == [first, second]

    async def test_filters_by_platform(self, workspace: WorkspaceFixture, session: Session) -> None:
        texts = await channel_service.create(session, workspace.id, sms())
        mail = await channel_service.create(
            session, workspace.id, ChannelCreate(platform="email", name="mail")
        )
        assert await channel_service.list(session, workspace.id, platform="email") == [mail]
        assert await channel_service.ids_for_platform(session, workspace.id, "sms") == [texts.id]
        assert await channel_service.ids_for_platform(session, workspace.id, "whatsapp") == []


class TestUpdate:
    async def test_sets_the_given_fields_only(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(
            session, workspace.id, sms(identifier="+15550100", config=SMS)
        )
        updated = await channel_service.update(
            session, workspace.id, created.id, ChannelUpdate(name="Renamed")
        )
        assert (updated.name, updated.identifier, updated.config) == (
            "Renamed",
            "+15550100",
            SMS,
        )
        assert updated.updated_at > created.updated_at
        assert await channel_service.get(session, workspace.id, created.id) == updated

    async def test_an_explicit_null_clears_the_identifier_and_config_is_replaced(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(
            session, workspace.id, sms(identifier="+15550100", config=SMS)
        )
        patch = ChannelUpdate.model_validate({"identifier": None, "config": SMS_OTHER})
        updated = await channel_service.update(session, workspace.id, created.id, patch)
        assert (updated.identifier, updated.config) == (None, SMS_OTHER)
        assert await channel_service.get(session, workspace.id, created.id) == updated

    async def test_an_empty_patch_changes_nothing(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(session, workspace.id, sms())
        assert (
            await channel_service.update(session, workspace.id, created.id, ChannelUpdate())
            == created
        )

    async def test_a_channel_of_another_workspace_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(session, workspace.id, sms())
        with pytest.raises(NotFound):
            await channel_service.update(
                session, other_workspace.id, created.id, ChannelUpdate(name="stolen")
            )
        assert (await channel_service.get_or_raise(session, workspace.id, created.id)).name == (
            "Support line"
        )


class TestDelete:
    async def test_removes_the_channel(self, workspace: WorkspaceFixture, session: Session) -> None:
        created = await channel_service.create(session, workspace.id, sms())
        await channel_service.delete(session, workspace.id, created.id)
        assert await channel_service.get(session, workspace.id, created.id) is None
        with pytest.raises(NotFound):
            await channel_service.delete(session, workspace.id, created.id)

    async def test_a_channel_of_another_workspace_is_not_found_and_stays(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(session, workspace.id, sms())
        with pytest.raises(NotFound):
            await channel_service.delete(session, other_workspace.id, created.id)
        assert await channel_service.get(session, workspace.id, created.id) == created
