"""``hubbub sandbox inbound``: write to a sandbox channel as a contact would (for demos and
tests, e.g. to open a WhatsApp service window)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from hubbub.cli.context import console, open_database, print_json, run, settings_from_env
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.sandbox_inbound import inject
from hubbub.errors import NotFound
from hubbub.messages.schemas import Message, as_utc

sandbox_app = typer.Typer(help="Play the contact on sandbox channels.", no_args_is_help=True)


@sandbox_app.command("inbound")
def inbound(
    channel: Annotated[str, typer.Option("--channel", help="Sandbox channel id.")],
    sender: Annotated[
        str, typer.Option("--from", help="Who writes: an identifier (or key:value).")
    ],
    text: Annotated[str, typer.Argument(help="What they write.")],
    at: Annotated[
        datetime | None, typer.Option(help="When they wrote (ISO 8601, UTC); default now.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Store an incoming message on a sandbox channel."""
    if not text.strip():
        raise typer.BadParameter("the text is empty")

    async def main() -> Message:
        async with open_database(settings_from_env()) as database, database.transaction() as s:
            found = await DeliveryRepository(s).channel_by_id(channel)
            if found is None:
                raise NotFound("channel", channel)
            return await inject(s, found, sender=sender, text=text, at=as_utc(at))

    message = run(main)
    if json:
        print_json(message.model_dump(mode="json"))
        return
    console.print(
        f"received [bold]{message.id}[/] in conversation {message.conversation_id}",
        highlight=False,
    )
