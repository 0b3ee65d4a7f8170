"""``hubbub messages list`` and ``hubbub conversations list``: find what is stored, through
the services the API lists with (the same filters, full-text search included)."""

from __future__ import annotations

from typing import Annotated, get_args

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
from hubbub.conversations.schemas import Conversation, ConversationStatus
from hubbub.conversations.service import conversation as conversation_service
from hubbub.kit.clock import isoformat
from hubbub.messages.listing import MAX_PAGE
from hubbub.messages.schemas import Message, MessageFilter
from hubbub.messages.service import message as message_service
from hubbub.messages.status import Status

STATUSES: tuple[str, ...] = get_args(Status)

messages_app = typer.Typer(help="List and search messages.", no_args_is_help=True)
conversations_app = typer.Typer(help="List conversations.", no_args_is_help=True)

WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace id.")]
ChannelOption = Annotated[str | None, typer.Option("--channel", help="Only this channel's.")]
LimitOption = Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="At most this many.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TEXT_WIDTH = 60  # of a message's text in the table; --json has all of it


@messages_app.command("list")
def list_messages(
    workspace: WorkspaceOption,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Only this conversation's.")
    ] = None,
    channel: ChannelOption = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help=f"Only in this status (repeat): {', '.join(STATUSES)}."),
    ] = None,
    q: Annotated[str | None, typer.Option("--q", help="Full-text search in the text.")] = None,
    limit: LimitOption = 50,
    json: JsonFlag = False,
) -> None:
    """The newest messages first."""
    filters = validated(
        MessageFilter,
        {"conversation_id": conversation, "channel_id": channel, "status": status, "q": q},
    )

    async def main() -> list[Message]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            await check_workspace(s, workspace)
            messages, _ = await message_service.list(s, workspace, filters, limit=limit)
            return messages

    messages = run(main)
    if json:
        print_json([message.model_dump(mode="json") for message in messages])
        return
    table = Table("id", "created", "direction", "status", "conversation", "text")
    for m in messages:
        text = " ".join(m.text.split())
        table.add_row(
            m.id,
            isoformat(m.created_at),
            m.direction,
            m.status,
            m.conversation_id,
            text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…",
        )
    console.print(table)


@conversations_app.command("list")
def list_conversations(
    workspace: WorkspaceOption,
    status: Annotated[
        ConversationStatus | None, typer.Option("--status", help="Only in this status.")
    ] = None,
    channel: ChannelOption = None,
    limit: LimitOption = 50,
    json: JsonFlag = False,
) -> None:
    """The newest conversations first."""

    async def main() -> list[Conversation]:
        async with open_database(settings_from_env()) as database, database.read() as s:
            await check_workspace(s, workspace)
            conversations, _ = await conversation_service.list(
                s, workspace, channel_id=channel, status=status, limit=limit
            )
            return conversations

    conversations = run(main)
    if json:
        print_json([c.model_dump(mode="json") for c in conversations])
        return
    table = Table("id", "created", "status", "channel", "messages", "subject")
    for c in conversations:
        table.add_row(
            c.id,
            isoformat(c.created_at),
            c.status,
            c.channel_id or "",
            str(c.message_count),
            c.subject or "",
        )
    console.print(table)
