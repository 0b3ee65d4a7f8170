"""``hubbub channel ...``, ``hubbub send`` and ``hubbub tail``."""

from __future__ import annotations

from pathlib import Path

import orjson

from hubbub.channels.service import channel as channel_service
from hubbub.connectors import registry
from hubbub.db.uow import Database
from hubbub.messages.schemas import MessageCreate, StatusUpdate
from hubbub.messages.service import message as message_service
from tests.cli.conftest import Cli, make_channel, make_workspace, opened

PHONE = "+31612345678"


def table_rows(table: str) -> list[str]:
    return [line for line in table.splitlines() if line.startswith("│")]


async def test_channel_create_prints_exactly_the_id_and_list_shows_it(
    cli: Cli, cli_database: Database
) -> None:
    workspace_id = await make_workspace(cli_database)
    created = await cli.json(
        "channel", "create", "--workspace", workspace_id, "--platform", "sms", "--name", "desk"
    )
    assert set(created) == {"channel_id"}
    rows = table_rows(await cli.ok("channel", "list", "--workspace", workspace_id))
    assert len(rows) == 1
    assert created["channel_id"] in rows[0]
    assert "sms" in rows[0]
    assert "desk" in rows[0]


async def test_bad_input_is_a_message_and_a_failure_exit(sqlite_cli: Cli) -> None:
    async with opened(sqlite_cli) as database:
        workspace_id = await make_workspace(database)
    create = ["channel", "create", "--workspace", workspace_id]
    cases = {
        ", ".join(registry.names()): [
            *create,
            "--platform",
            "pigeon",
            "--name",
            "x",
        ],
        "name": [*create, "--platform", "sms", "--name", ""],
        "workspace no-such not found": [
            *["channel", "create", "--workspace", "no-such", "--platform", "sms", "--name", "x"]
        ],
        "workspace nowhere not found": ["channel", "list", "--workspace", "nowhere"],
        "workspace gone not found": ["tail", "--workspace", "gone"],
        "--conversation, or --channel with --to": ["send", "--workspace", workspace_id, "hi"],
    }
    results = await sqlite_cli.all(*cases.values())
    for (message, command), result in zip(cases.items(), results, strict=True):
        assert result.code != 0, command
        assert message in " ".join(result.output.split()), (command, result.output)
        assert "Traceback" not in result.output, command
    assert table_rows(await sqlite_cli.ok("channel", "list", "--workspace", workspace_id)) == []


async def test_send_then_tail_shows_the_message(cli: Cli, cli_database: Database) -> None:
    workspace_id = await make_workspace(cli_database)
    channel_id = await make_channel(cli_database, workspace_id)
    to_phone = ["--workspace", workspace_id, "--channel", channel_id, "--to", PHONE]

    sent = await cli.ok("send", *to_phone, "Hello!")
    assert "sent 1 message(s)" in sent
    [message] = await cli.json("send", *to_phone, "Again")
    assert message["text"] == "Again"
    assert message["channel_id"] == channel_id
    assert message["recipients"][0]["value"] == PHONE
    assert message["conversation_id"] in sent  # both went to the one conversation

    log = (await cli.ok("tail", "--workspace", workspace_id)).splitlines()
    assert [line.split()[2] for line in log] == [
        "channel.created",
        "conversation.created",
        "message.created",
        "message.created",
    ]
    assert message["id"] in log[-1]
    last = (await cli.ok("tail", "--workspace", workspace_id, "--last", "1")).splitlines()
    assert last == log[-1:]


async def test_tail_shows_the_workspace_own_last_events(cli: Cli, cli_database: Database) -> None:
    """Sequence numbers are shared by every workspace; --last counts the workspace's own."""
    ours = await make_workspace(cli_database, "ours")
    theirs = await make_workspace(cli_database, "theirs")
    channel_id = await make_channel(cli_database, ours)
    for name in ("a", "b", "c"):
        await make_channel(cli_database, theirs, name)
    async with cli_database.transaction() as session:
        await message_service.create(
            session,
            ours,
            MessageCreate.model_validate(
                {
                    "channel_id": channel_id,
                    "recipients": [{"value": PHONE}],
                    "payload": {"type": "text", "text": "hi"},
                }
            ),
        )
    for name in ("d", "e"):
        await make_channel(cli_database, theirs, name)

    log = (await cli.ok("tail", "--workspace", ours, "--last", "2")).splitlines()
    assert [line.split()[2] for line in log] == ["conversation.created", "message.created"]
    assert await cli.ok("tail", "--workspace", ours, "--last", "0") == ""


async def test_messages_and_conversations_list_with_filters(
    cli: Cli, cli_database: Database
) -> None:
    workspace_id = await make_workspace(cli_database)
    channel_id = await make_channel(cli_database, workspace_id)
    other_channel = await make_channel(cli_database, workspace_id, "other")
    texts = {"+31611111111": "orchid delivery", "+31622222222": "plain hello"}
    async with cli_database.transaction() as session:
        for phone, text in texts.items():
            await message_service.create(session, workspace_id, text_to(channel_id, phone, text))
        await message_service.create(
            session, workspace_id, text_to(other_channel, PHONE, "elsewhere")
        )
    mine = ["--workspace", workspace_id]

    everything = await cli.json("messages", "list", *mine)
    assert [m["text"] for m in everything] == ["elsewhere", "plain hello", "orchid delivery"]
    found = await cli.json("messages", "list", *mine, "--q", "orchid")
    assert [m["text"] for m in found] == ["orchid delivery"]
    on_channel = await cli.json("messages", "list", *mine, "--channel", channel_id, "--limit", "1")
    assert [m["text"] for m in on_channel] == ["plain hello"]
    first = everything[-1]
    in_conversation = await cli.json(
        "messages", "list", *mine, "--conversation", first["conversation_id"]
    )
    assert [m["id"] for m in in_conversation] == [first["id"]]
    assert await cli.json("messages", "list", *mine, "--status", "failed") == []
    accepted = await cli.json("messages", "list", *mine, "--status", "accepted")
    assert len(accepted) == 3
    rows = table_rows(await cli.ok("messages", "list", *mine, "--q", "hello"))
    assert len(rows) == 1
    assert "plain hello" in rows[0]

    conversations = await cli.json("conversations", "list", *mine, "--channel", channel_id)
    assert len(conversations) == 2
    assert {c["channel_id"] for c in conversations} == {channel_id}
    assert await cli.json("conversations", "list", *mine, "--status", "closed") == []
    rows = table_rows(await cli.ok("conversations", "list", *mine))
    assert len(rows) == 3

    bad = await cli.run("messages", "list", *mine, "--status", "lost")
    assert bad.code != 0
    assert "Traceback" not in bad.output
    assert "status" in bad.output


async def test_tail_is_one_line_per_event_and_shows_status_changes(
    cli: Cli, cli_database: Database
) -> None:
    workspace_id = await make_workspace(cli_database)
    channel_id = await make_channel(cli_database, workspace_id)
    async with cli_database.transaction() as session:
        message = await message_service.create(
            session, workspace_id, text_to(channel_id, PHONE, "hi")
        )
    async with cli_database.transaction() as session:
        failure = {"stage": "delivery", "code": "E42", "reason": "number\nunreachable"}
        await message_service.update_status(
            session,
            workspace_id,
            message.id,
            StatusUpdate.model_validate({"status": "failed", "failure": failure}),
        )
    narrow = Cli({**cli.env, "COLUMNS": "60"}, cli.database_url)  # narrower than any line
    log = (await narrow.ok("tail", "--workspace", workspace_id)).splitlines()
    assert [line.split()[2] for line in log] == [
        "channel.created",
        "conversation.created",
        "message.created",
        "message.status_changed",
    ]
    assert log[-1].split()[3:] == [
        message.id,
        "accepted",
        "->",
        "failed",
        "(delivery",
        "E42:",
        "number",
        "unreachable)",
    ]


def text_to(channel_id: str, phone: str, text: str) -> MessageCreate:
    return MessageCreate.model_validate(
        {
            "channel_id": channel_id,
            "recipients": [{"value": phone}],
            "payload": {"type": "text", "text": text},
        }
    )


async def test_channel_create_takes_config_and_refuses_bad_config(
    cli: Cli, cli_database: Database, tmp_path: Path
) -> None:
    workspace_id = await make_workspace(cli_database)
    create = ["channel", "create", "--workspace", workspace_id, "--name", "hook"]
    url = "https://example.com/hook"
    first, second = {"url": url, "secret": "s1"}, {"url": url + "/2", "secret": "s2"}
    created = await cli.json(
        *create, "--platform", "webhook", "--config", orjson.dumps(first).decode()
    )
    settings = tmp_path / "config.json"
    settings.write_bytes(orjson.dumps(second))
    from_file = await cli.json(*create, "--platform", "webhook", "--config-file", str(settings))
    async with cli_database.read() as session:
        stored = {c.id: c.config for c in await channel_service.list(session, workspace_id)}
    assert stored == {created["channel_id"]: first, from_file["channel_id"]: second}
    refused = await cli.run(*create, "--platform", "webhook", "--config", '{"url": "x"}')
    assert refused.code != 0
    assert "config." in refused.output
    assert "Traceback" not in refused.output

    cases = {
        "not valid JSON": ["--config", "{url"],
        "must be a JSON object": ["--config", "[1]"],
        "not both": ["--config", "{}", "--config-file", str(settings)],
        "cannot read": ["--config-file", str(tmp_path / "missing.json")],
    }
    results = await cli.all(*([*create, "--platform", "webhook", *args] for args in cases.values()))
    for message, result in zip(cases, results, strict=True):
        assert result.code != 0, message
        assert message in " ".join(result.output.split()), result.output
        assert "Traceback" not in result.output
