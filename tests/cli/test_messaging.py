"""``hubbub channel ...``, ``hubbub send`` and ``hubbub tail``."""

from __future__ import annotations

from hubbub.connectors import registry
from hubbub.db.uow import Database
from hubbub.messages.schemas import MessageCreate
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
