"""``hubbub send`` and ``hubbub tail``: a quick look from the terminal."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress

from hubbub.cli.context import (
    check_workspace,
    console,
    open_database,
    print_json,
    run,
    settings_from_env,
    validated,
)
from hubbub.db.uow import Database
from hubbub.events.schemas import Event
from hubbub.events.service import event as event_service
from hubbub.kit.clock import isoformat
from hubbub.messages.schemas import Message, MessageCreate
from hubbub.messages.service import message as message_service

WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace id.")]


def send(
    workspace: WorkspaceOption,
    text: Annotated[str, typer.Argument(help="The message text.")],
    channel: Annotated[str | None, typer.Option(help="Channel id (with --to).")] = None,
    to: Annotated[list[str] | None, typer.Option(help="Recipient identifier (repeat).")] = None,
    conversation: Annotated[str | None, typer.Option(help="Conversation id.")] = None,
    subject: Annotated[str | None, typer.Option(help="Subject (email).")] = None,
    repeat: Annotated[int, typer.Option(min=1, max=100_000, help="Send it N times.")] = 1,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Send a text message to a conversation, or to recipients on a channel."""
    if conversation is None and (channel is None or not to):
        raise typer.BadParameter("give --conversation, or --channel with --to")
    data = validated(
        MessageCreate,
        {
            "conversation_id": conversation,
            "channel_id": channel,
            "recipients": [{"value": value} for value in to or []] or None,
            "subject": subject,
            "payload": {"type": "text", "text": text},
        },
    )

    async def main() -> list[Message]:
        sent: list[Message] = []
        async with open_database(settings_from_env()) as database:
            async with database.read() as s:
                await check_workspace(s, workspace)
            with Progress(console=console, transient=True, disable=repeat < 50) as progress:
                task = progress.add_task("sending", total=repeat)
                for _ in range(repeat):
                    async with database.transaction() as s:
                        sent.append(await message_service.create(s, workspace, data))
                    progress.advance(task)
        return sent

    messages = run(main)
    if json:
        print_json([m.model_dump(mode="json") for m in messages])
        return
    last = messages[-1]
    console.print(
        f"sent {len(messages)} message(s); last [bold]{last.id}[/] "
        f"in conversation {last.conversation_id} ({last.status})"
    )


def tail(
    workspace: WorkspaceOption,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep waiting for events.")
    ] = False,
    last: Annotated[int, typer.Option(min=0, help="Show the last N events first.")] = 20,
    interval: Annotated[float, typer.Option(min=0.05, help="Poll interval in seconds.")] = 0.5,
) -> None:
    """Print the workspace's event log, optionally following it."""

    async def main() -> None:
        async with open_database(settings_from_env()) as database:
            async with database.read() as s:
                await check_workspace(s, workspace)
            after = await _start_position(database, workspace, last)
            while True:
                async with database.read() as s:
                    page = await event_service.list(s, workspace, after=after, limit=500)
                for item in page.events:
                    _print_event(item)
                    after = item.seq
                if page.next_after is None:
                    if not follow:
                        return
                    await asyncio.sleep(interval)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends --follow quietly
        run(main)


async def _start_position(database: Database, workspace: str, last: int) -> int:
    async with database.read() as s:
        return await event_service.position_before_last(s, workspace, last)


def _print_event(item: Event) -> None:
    """One line per event, whatever the width: piped output (``grep``, ``cut``) is never
    folded at 80 columns, and a status change says where the message went (and why a failed
    one failed)."""
    target = item.message_id or item.conversation_id or ""
    line = (
        f"[dim]{item.seq:>8}[/] {isoformat(item.created_at)} [bold cyan]{item.type:<26}[/] "
        f"{target}{escape(_event_detail(item))}"
    )
    console.print(line, soft_wrap=True, highlight=False)


def _event_detail(item: Event) -> str:
    if item.type != "message.status_changed":
        return ""
    detail = f" {item.data.get('previous', '?')} -> {item.data.get('status', '?')}"
    failure = item.data.get("failure")
    if isinstance(failure, dict):
        why = " ".join(str(failure.get(k)) for k in ("stage", "code") if failure.get(k))
        reason = " ".join(str(failure.get("reason") or "").split())
        detail += f" ({': '.join(part for part in (why, reason) if part)})"
    return detail
