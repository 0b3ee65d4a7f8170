"""``hubbub channel ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
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
    config: Annotated[
        str | None,
        typer.Option(help="Provider settings as a JSON object (as `config` in the API)."),
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option(help="The same settings from a JSON file.", dir_okay=False)
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Create a channel. Without provider settings it delivers through the sandbox, while the
    platform's own rules (the WhatsApp window, recipients, media limits) still apply."""
    if registry.find(platform) is None:
        known = ", ".join(registry.names())
        raise typer.BadParameter(f"choose one of {known}", param_hint="--platform")
    fields: dict[str, Any] = {"platform": platform, "name": name, "identifier": identifier}
    settings = _config(config, config_file)
    if settings is not None:
        fields["config"] = settings
    data = validated(ChannelCreate, fields)

    async def main() -> Channel:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            await check_workspace(s, workspace)
            return await channel_service.create(s, workspace, data)

    channel = run(main)
    if json:
        print_json({"channel_id": channel.id})
        return
    console.print(f"channel [bold]{channel.id}[/] ({channel.platform}: {channel.name})")


def _config(text: str | None, path: Path | None) -> dict[str, Any] | None:
    """``--config`` or ``--config-file`` as a JSON object; the service checks its keys."""
    if text is not None and path is not None:
        raise typer.BadParameter("give --config or --config-file, not both")
    hint = "--config" if text is not None else "--config-file"
    if path is not None:
        try:
            text = path.read_text()
        except OSError as error:
            raise typer.BadParameter(
                f"cannot read {path}: {error.strerror}", param_hint=hint
            ) from error
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise typer.BadParameter(f"not valid JSON: {error}", param_hint=hint) from error
    if not isinstance(value, dict):
        raise typer.BadParameter("must be a JSON object", param_hint=hint)
    return value


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
