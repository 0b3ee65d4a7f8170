"""``hubbub channel ...``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hubbub.channels.schemas import Channel, ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.cli.context import (
    check_workspace,
    console,
    open_database,
    print_json,
    run,
    settings_from_env,
    validated,
)
from hubbub.connectors import registry

channel_app = typer.Typer(help="Create and list channels.", no_args_is_help=True)


@channel_app.command("create")
def create_channel(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id.")],
    platform: Annotated[str, typer.Option(help=f"One of: {', '.join(registry.names())}.")],
    name: Annotated[str, typer.Option(help="A name for the channel.")],
    identifier: Annotated[
        str | None, typer.Option(help="Sender identity (address or number).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Create a channel. Without provider settings it delivers through the sandbox, while the
    platform's own rules (the WhatsApp window, recipients, media limits) still apply."""
    if registry.find(platform) is None:
        known = ", ".join(registry.names())
        raise typer.BadParameter(f"choose one of {known}", param_hint="--platform")
    data = validated(ChannelCreate, {"platform": platform, "name": name, "identifier": identifier})

    async def main() -> Channel:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            await check_workspace(s, workspace)
            return await channel_service.create(s, workspace, data)

    channel = run(main)
    if json:
        print_json({"channel_id": channel.id})
        return
    console.print(f"channel [bold]{channel.id}[/] ({channel.platform}: {channel.name})")


@channel_app.command("list")
def list_channels(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id.")],
) -> None:
    """List a workspace's channels."""

    async def main() -> list[Channel]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            await check_workspace(s, workspace)
            return await channel_service.list(s, workspace)

    table = Table("id", "platform", "name", "identifier")
    for channel in run(main):
        table.add_row(channel.id, channel.platform, channel.name, channel.identifier or "")
    console.print(table)
