"""The platform descriptors and their registry: each platform's facts, its channel settings
validated when a channel is saved, and the registry's API for a platform added from outside."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hubbub.channels.schemas import ChannelCreate, ChannelUpdate
from hubbub.channels.service import channel as channel_service
from hubbub.connectors import email, registry, sandbox, twilio, webchat, webhook, whatsapp
from hubbub.connectors.platform import MB, PlatformDescriptor
from hubbub.db.uow import Session
from hubbub.errors import UnprocessableEntity
from hubbub.media.channel_limits import max_bytes_for
from tests.channels.configs import VALID
from tests.conftest import WorkspaceFixture

# (identifier key, several recipients, group conversations, window hours, self-provided,
# provider idempotency): what each platform is, decided once.
FACTS: dict[str, tuple[str, bool, bool, float | None, bool, bool]] = {
    "sandbox": ("userid", True, True, None, False, True),
    "email": ("emailaddress", True, True, None, False, False),
    "sms": ("phonenumber", False, False, None, False, False),
    "whatsapp": ("phonenumber", False, False, 24, False, False),
    "webchat": ("userid", True, True, None, True, True),
    "webhook": ("userid", True, True, None, False, False),
}
# One probe per media rule as it was before the rules moved into the descriptors (None: the
# type is refused): the limits are unchanged.
SERVER_MAX = 200 * MB
MEDIA_PROBES: list[tuple[str, str, int | None]] = [
    ("whatsapp", "image/png", 5 * MB),
    ("whatsapp", "image/webp", 500 * 1024),
    ("whatsapp", "audio/amr", 16 * MB),
    ("whatsapp", "video/3gpp", 16 * MB),
    (
        "whatsapp",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        100 * MB,
    ),
    ("whatsapp", "image/gif", None),
    ("sms", "image/gif", 5 * MB),
    ("sms", "text/vcard", 5 * MB),
    ("sms", "application/zip", None),
    ("email", "application/zip", 25 * MB),
    ("webhook", "application/zip", SERVER_MAX),
    ("webchat", "video/mp4", SERVER_MAX),
    ("sandbox", "image/png", SERVER_MAX),
]
RULE_COUNTS = {"whatsapp": 5, "sms": 2, "email": 1}
# (required keys, secret keys) of each platform's settings.
SETTINGS: dict[str, tuple[set[str], set[str]]] = {
    "sandbox": (set(), set()),
    "webchat": (set(), set()),
    "email": ({"smtp_host"}, {"password", "inbound_secret"}),
    "sms": ({"base_url", "account_sid", "auth_token"}, {"auth_token"}),
    "whatsapp": (
        {"base_url", "phone_number_id", "access_token"},
        {"access_token", "app_secret", "verify_token"},
    ),
    "webhook": ({"url", "secret"}, {"secret"}),
}
# A value of the wrong type for one key of each configurable platform.
WRONG_TYPE: dict[str, tuple[str, Any]] = {
    "email": ("smtp_port", "587"),
    "sms": ("auth_token", 12345),
    "whatsapp": ("phone_number_id", 1234),
    "webhook": ("url", ["http://x.test/"]),
}


class TestDescriptors:
    def test_every_platform_is_registered_once_in_order(self) -> None:
        assert registry.names() == ("sandbox", "email", "sms", "whatsapp", "webchat", "webhook")
        modules = (sandbox, email, twilio, whatsapp, webchat, webhook)
        assert tuple(module.PLATFORM for module in modules) == registry.BUILT_IN

    @pytest.mark.parametrize("name", list(FACTS))
    def test_the_facts_of_each_platform(self, name: str) -> None:
        descriptor = registry.get(name)
        window = descriptor.service_window
        hours = None if window is None else window.length / timedelta(hours=1)
        assert (
            descriptor.identifier_key,
            descriptor.several_recipients,
            descriptor.group_conversations,
            hours,
            descriptor.self_provided,
            descriptor.provider_idempotency,
        ) == FACTS[name]
        assert registry.identifier_key(name) == FACTS[name][0]
        assert len(descriptor.media_rules) == RULE_COUNTS.get(name, 0)

    @pytest.mark.parametrize(("name", "content_type", "limit"), MEDIA_PROBES)
    def test_media_limits_are_unchanged(
        self, name: str, content_type: str, limit: int | None
    ) -> None:
        if limit is None:
            with pytest.raises(UnprocessableEntity):
                max_bytes_for(name, content_type, SERVER_MAX)
        else:
            assert max_bytes_for(name, content_type, SERVER_MAX) == limit

    def test_templates_pass_the_whatsapp_window(self) -> None:
        window = whatsapp.PLATFORM.service_window
        assert window is not None
        assert window.always_allowed == frozenset({"template"})

    @pytest.mark.parametrize("name", list(SETTINGS))
    def test_required_and_secret_settings(self, name: str) -> None:
        descriptor = registry.get(name)
        required, secret = SETTINGS[name]
        assert (set(descriptor.required_fields), set(descriptor.secret_fields)) == (
            required,
            secret,
        )
        assert set(descriptor.required_fields) <= set(descriptor.config_keys)

    def test_several_recipients_need_group_conversations(self) -> None:
        with pytest.raises(ValueError, match="group_conversations"):
            replace(twilio.PLATFORM, several_recipients=True)

    def test_unknown_platforms_fall_back_to_userid(self) -> None:
        assert registry.find("pigeon") is None
        assert registry.identifier_key("pigeon") == registry.identifier_key(None) == "userid"
        with pytest.raises(registry.UnknownPlatform, match="sandbox, email, sms"):
            registry.get("pigeon")


class TestConfigValidation:
    @pytest.mark.parametrize("name", list(FACTS))
    def test_an_empty_config_is_always_valid(self, name: str) -> None:
        registry.get(name).check_config({})

    @pytest.mark.parametrize("name", list(VALID))
    def test_a_valid_config_passes(self, name: str) -> None:
        registry.get(name).check_config(VALID[name])

    @pytest.mark.parametrize("name", list(FACTS))
    def test_an_unknown_key_is_refused_naming_it(self, name: str) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            registry.get(name).check_config({**VALID.get(name, {}), "colour": "blue"})
        assert caught.value.field == "config.colour"
        assert "unknown setting" in caught.value.message

    @pytest.mark.parametrize("name", list(WRONG_TYPE))
    def test_a_wrong_type_is_refused_naming_the_key(self, name: str) -> None:
        key, value = WRONG_TYPE[name]
        with pytest.raises(UnprocessableEntity) as caught:
            registry.get(name).check_config({**VALID[name], key: value})
        assert caught.value.field == f"config.{key}"
        assert caught.value.details["errors"] == [
            {"field": f"config.{key}", "reason": caught.value.message.split(": ", 1)[1]}
        ]

    @pytest.mark.parametrize("name", list(VALID))
    def test_each_missing_required_key_is_refused(self, name: str) -> None:
        descriptor = registry.get(name)
        for key in descriptor.required_fields:
            config = {k: v for k, v in VALID[name].items() if k != key}
            assert config  # an empty one would mean sandbox delivery
            with pytest.raises(UnprocessableEntity) as caught:
                descriptor.check_config(config)
            assert caught.value.field == f"config.{key}", key

    def test_email_takes_its_sender_as_from(self) -> None:
        email.PLATFORM.check_config({"smtp_host": "smtp.test", "from": "a@shop.test"})
        with pytest.raises(UnprocessableEntity) as caught:
            email.PLATFORM.check_config({"smtp_host": "smtp.test", "sender": "a@shop.test"})
        assert caught.value.field == "config.sender"


class TestSavedChannels:
    async def test_create_refuses_an_invalid_config(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        data = ChannelCreate(platform="sms", name="line", config={"account_sid": "AC1"})
        with pytest.raises(UnprocessableEntity) as caught:
            await channel_service.create(session, workspace.id, data)
        assert caught.value.field == "config.base_url"
        assert await channel_service.list(session, workspace.id) == []

    async def test_update_checks_the_new_config_against_the_channel_platform(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await channel_service.create(
            session, workspace.id, ChannelCreate(platform="webhook", name="hook")
        )
        assert created.config == {}
        bad = ChannelUpdate(config={**VALID["webhook"], "retries": 3})
        with pytest.raises(UnprocessableEntity) as caught:
            await channel_service.update(session, workspace.id, created.id, bad)
        assert caught.value.field == "config.retries"
        good = ChannelUpdate(config=VALID["webhook"])
        updated = await channel_service.update(session, workspace.id, created.id, good)
        assert updated.config == VALID["webhook"]
        cleared = await channel_service.update(
            session, workspace.id, created.id, ChannelUpdate(config={})
        )
        assert cleared.config == {}  # back to the sandbox

    async def test_the_api_answers_422_on_the_config_key(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        body = {"platform": "email", "name": "mail", "config": {"smtp_host": "h", "tls": "yes"}}
        response = await client.post("/v1/channels", json=body, headers=workspace.headers)
        assert response.status_code == 422
        error = response.json()["error"]
        assert (error["code"], error["details"]["field"]) == ("unprocessable", "config.tls")
        unknown = await client.post(
            "/v1/channels", json={"platform": "fax", "name": "x"}, headers=workspace.headers
        )
        assert unknown.status_code == 422
        assert unknown.json()["error"]["details"]["field"] == "platform"
        assert "sandbox, email, sms, whatsapp, webchat, webhook" in unknown.text

    async def test_the_openapi_lists_the_platforms(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        schemas = document["components"]["schemas"]
        for model in ("Channel", "ChannelCreate"):
            assert schemas[model]["properties"]["platform"]["enum"] == list(registry.names())


class TestRegistry:
    def test_registered_adds_for_the_block_only(self) -> None:
        pager = replace(sandbox.PLATFORM, name="pager", title="Pager")
        with registry.registered(pager) as added:
            assert registry.get("pager") is added
            assert registry.names()[-1] == "pager"
        assert registry.find("pager") is None

    def test_registered_swaps_a_platform_in_place_and_back(self) -> None:
        quiet = replace(twilio.PLATFORM, title="Quiet SMS")
        with registry.registered(quiet):
            assert registry.get("sms") is quiet
            assert registry.names().index("sms") == 2
        assert registry.get("sms") is twilio.PLATFORM

    def test_unregistered_hides_a_platform_and_restores_the_order(self) -> None:
        before = registry.names()
        with registry.unregistered("sms"):
            assert "sms" not in registry.names()
        assert registry.names() == before

    def test_a_name_registers_once(self) -> None:
        with pytest.raises(ValueError, match="already registered"):
            registry.register(email.PLATFORM)

    def test_a_descriptor_is_frozen(self) -> None:
        descriptor: PlatformDescriptor = registry.get("email")
        with pytest.raises(AttributeError):
            descriptor.name = "mail"  # type: ignore[misc]
