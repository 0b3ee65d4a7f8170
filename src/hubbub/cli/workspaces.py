"""``hubbub workspace ...`` and ``hubbub key ...``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hubbub.cli.context import (
    check_workspace,
    console,
    open_database,
    print_json,
    run,
    settings_from_env,
    validated,
)
from hubbub.kit.clock import isoformat
from hubbub.workspaces.schemas import (
    AccessKeyCreate,
    CreatedWorkspace,
    IssuedKey,
    WorkspaceCreate,
)
from hubbub.workspaces.service import workspace as workspace_service

workspace_app = typer.Typer(help="Create and list workspaces.", no_args_is_help=True)
key_app = typer.Typer(help="Create, list and revoke access keys.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace id.")]


@workspace_app.command("create")
def create_workspace(name: str, json: JsonFlag = False) -> None:
    """Create a workspace and print its id and a new admin key (shown only once)."""
    data = validated(WorkspaceCreate, {"name": name})

    async def main() -> CreatedWorkspace:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            return await workspace_service.create(s, data)

    created = run(main)
    if json:
        print_json({"workspace_id": created.workspace.id, "access_key": created.admin_key.token})
        return
    console.print(f"workspace [bold]{created.workspace.id}[/] ({created.workspace.name})")
    console.print(f"admin key  [bold yellow]{created.admin_key.token}[/]  (shown only once)")


@workspace_app.command("list")
def list_workspaces() -> None:
    """List every workspace."""

    async def main() -> list[tuple[str, str, str]]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            return [
                (w.id, w.name, isoformat(w.created_at)) for w in await workspace_service.list(s)
            ]

    table = Table("id", "name", "created")
    for row in run(main):
        table.add_row(*row)
    console.print(table)


@key_app.command("create")
def create_key(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "key",
    scope: Annotated[list[str] | None, typer.Option(help="read, write or admin (repeat).")] = None,
    json: JsonFlag = False,
) -> None:
    """Create an access key; the secret is printed only now."""
    data = validated(AccessKeyCreate, {"name": name, "scopes": scope or ["read", "write"]})

    async def main() -> IssuedKey:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            return await workspace_service.create_key(s, workspace, data)

    issued = run(main)
    if json:
        print_json({"key_id": issued.key.id, "access_key": issued.token})
        return
    console.print(f"key [bold]{issued.key.id}[/] scopes {', '.join(issued.key.scopes)}")
    console.print(f"[bold yellow]{issued.token}[/]  (shown only once)")


@key_app.command("list")
def list_keys(workspace: WorkspaceOption) -> None:
    """List a workspace's keys (never their secrets)."""

    async def main() -> list[tuple[str, str, str, str]]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            await check_workspace(s, workspace)
            keys = await workspace_service.list_keys(s, workspace)
        return [
            (
                k.id,
                k.name,
                ",".join(k.scopes),
                "revoked" if k.revoked_at else "active",
            )
            for k in keys
        ]

    table = Table("id", "name", "scopes", "state")
    for row in run(main):
        table.add_row(*row)
    console.print(table)


@key_app.command("revoke")
def revoke_key(workspace: WorkspaceOption, key_id: str) -> None:
    """Revoke a key; requests made with it are refused from now on."""

    async def main() -> None:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            await workspace_service.revoke_key(s, workspace, key_id)

    run(main)
    console.print(f"key {key_id} [red]revoked[/]")
