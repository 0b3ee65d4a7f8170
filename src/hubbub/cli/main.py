"""The ``hubbub`` command: one module per command group."""

from __future__ import annotations

import typer

from hubbub.cli.channels import channel_app
from hubbub.cli.jobs import jobs_app
from hubbub.cli.messages import send, tail
from hubbub.cli.sandbox import sandbox_app
from hubbub.cli.server import migrate, serve
from hubbub.cli.worker import worker
from hubbub.cli.workspaces import key_app, workspace_app

app = typer.Typer(
    name="hubbub",
    help="Hubbub: self-hosted omnichannel messaging.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.command()(migrate)
app.command()(send)
app.command()(tail)
app.add_typer(workspace_app, name="workspace")
app.add_typer(key_app, name="key")
app.add_typer(channel_app, name="channel")
app.command()(worker)
app.add_typer(jobs_app, name="jobs")
app.add_typer(sandbox_app, name="sandbox")
