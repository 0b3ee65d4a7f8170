"""``hubbub migrate``, ``hubbub workspace ...`` and ``hubbub key ...``."""

from __future__ import annotations

from hubbub.db.uow import Database
from hubbub.errors import Unauthenticated
from hubbub.workspaces.service import workspace as workspace_service
from tests.cli.conftest import Cli, make_workspace, opened


async def authenticates(database: Database, token: str) -> bool:
    try:
        async with database.read() as session:
            await workspace_service.authenticate(session, token)
    except Unauthenticated:
        return False
    return True


def row_of(table: str, key: str) -> str:
    return next(line for line in table.splitlines() if key in line)


async def test_migrate_brings_a_fresh_database_up_to_date_and_again(cli: Cli) -> None:
    assert "database is up to date" in await cli.ok("migrate")
    assert "database is up to date" in await cli.ok("migrate")


async def test_workspace_create_prints_exactly_the_id_and_the_key(cli: Cli) -> None:
    created = await cli.json("workspace", "create", "acme")
    assert set(created) == {"workspace_id", "access_key"}
    plain = await cli.ok("workspace", "create", "second")
    assert "admin key" in plain
    assert "shown only once" in plain

    listed = await cli.ok("workspace", "list")
    assert "acme" in row_of(listed, created["workspace_id"])
    assert "second" in listed
    async with opened(cli) as database:
        assert await authenticates(database, created["access_key"])


async def test_keys_are_created_listed_and_revoked(cli: Cli, cli_database: Database) -> None:
    workspace_id = await make_workspace(cli_database)
    reader = await cli.json("key", "create", "--workspace", workspace_id, "--scope", "read")
    assert set(reader) == {"key_id", "access_key"}
    assert reader["access_key"].startswith(reader["key_id"] + ".")
    default = await cli.json("key", "create", "--workspace", workspace_id, "--name", "ci")

    listed = await cli.ok("key", "list", "--workspace", workspace_id)
    assert "active" in row_of(listed, reader["key_id"])
    assert " read " in row_of(listed, reader["key_id"])
    assert "read,write" in row_of(listed, default["key_id"])
    assert "ci" in row_of(listed, default["key_id"])
    assert reader["access_key"].split(".")[1] not in listed

    revoked = await cli.ok("key", "revoke", "--workspace", workspace_id, reader["key_id"])
    assert "revoked" in revoked
    listed = await cli.ok("key", "list", "--workspace", workspace_id)
    assert "revoked" in row_of(listed, reader["key_id"])
    assert "active" in row_of(listed, default["key_id"])
    assert not await authenticates(cli_database, reader["access_key"])
    assert await authenticates(cli_database, default["access_key"])


async def test_bad_input_is_a_message_and_a_failure_exit(sqlite_cli: Cli) -> None:
    async with opened(sqlite_cli) as database:
        workspace_id = await make_workspace(database)
    cases = {
        "scopes.0": ["key", "create", "--workspace", workspace_id, "--scope", "owner"],
        "workspace no-such not found": ["key", "create", "--workspace", "no-such"],
        "workspace nowhere not found": ["key", "list", "--workspace", "nowhere"],
        "access key hk_nosuchkey not found": [
            "key",
            "revoke",
            "--workspace",
            workspace_id,
            "hk_nosuchkey",
        ],
        "name": ["workspace", "create", ""],
    }
    results = await sqlite_cli.all(*cases.values())
    for (message, command), result in zip(cases.items(), results, strict=True):
        assert result.code != 0, command
        assert message in result.output, (command, result.output)
        assert "Traceback" not in result.output, command
