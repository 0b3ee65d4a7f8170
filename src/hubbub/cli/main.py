"""The ``hubbub`` command: one module per command group, imported only when its command runs.

Importing every command module up front cost seconds per call (they import the services,
SQLAlchemy, and ``worker`` the whole app): ``hubbub --help`` and each command now import only
what they use. The list below is the command line's table of contents; a command's short help
is written here so that ``--help`` need not import the module to print it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import typer
from typer import _click as click  # the click typer is built on (it vendors its own)
from typer.core import TyperGroup


@dataclass(frozen=True)
class Entry:
    target: str  # "module:attribute", a typer app or a command function
    help: str


COMMANDS: dict[str, Entry] = {
    "serve": Entry("hubbub.cli.server:serve", "Migrate the database, then serve the API."),
    "migrate": Entry("hubbub.cli.server:migrate", "Bring the database schema up to date."),
    "send": Entry("hubbub.cli.messages:send", "Send a text message."),
    "tail": Entry("hubbub.cli.messages:tail", "Print the workspace's event log."),
    "messages": Entry("hubbub.cli.listing:messages_app", "List and search messages."),
    "conversations": Entry("hubbub.cli.listing:conversations_app", "List conversations."),
    "workspace": Entry("hubbub.cli.workspaces:workspace_app", "Create and list workspaces."),
    "key": Entry("hubbub.cli.workspaces:key_app", "Create, list and revoke access keys."),
    "channel": Entry("hubbub.cli.channels:channel_app", "Create and list channels."),
    "worker": Entry("hubbub.cli.worker:worker", "Run jobs until stopped."),
    "jobs": Entry("hubbub.cli.jobs:jobs_app", "List jobs and re-run dead ones."),
    "sandbox": Entry("hubbub.cli.sandbox:sandbox_app", "Play the contact on sandbox channels."),
}


def load(name: str) -> click.Command:
    module_name, attribute = COMMANDS[name].target.split(":")
    target = getattr(importlib.import_module(module_name), attribute)
    command: click.Command
    if isinstance(target, typer.Typer):
        # A group even with one subcommand: ``hubbub sandbox inbound``, not ``hubbub sandbox``.
        command = typer.main.get_group(target)
    else:
        single = typer.Typer(pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.help) for name, entry in COMMANDS.items()])


app = typer.Typer(
    name="hubbub",
    help="Hubbub: self-hosted omnichannel messaging.",
    cls=LazyGroup,
    # click's plain layout for this page: typer's rich one imports every command to list it.
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Hubbub: self-hosted omnichannel messaging."""
