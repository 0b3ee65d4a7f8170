"""Who may be named as a message's author: an ``author.id`` given with a ``contact`` author is
a contact of the workspace, with an ``agent`` author an agent of the workspace (disabled ones
too: history stays theirs). ``bot`` and ``system`` authors are names, not rows, and are not
checked. The rule holds for every surface: each creates messages through the core.

It costs nothing when no id is given and one primary-key read when one is."""

from __future__ import annotations

from hubbub.agents.service import agent as agent_service
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.errors import UnprocessableEntity
from hubbub.messages.schemas import Author

FIELD = "author.id"


async def check_author(session: Session, workspace_id: str, author: Author | None) -> None:
    if author is None or author.id is None:
        return
    if author.type == "contact":
        known = await contact_service.exists(session, workspace_id, author.id)
    elif author.type == "agent":
        known = await agent_service.exists(session, workspace_id, author.id)
    else:
        return
    if not known:
        raise UnprocessableEntity(
            f"author {author.id} is not a{'n' if author.type == 'agent' else ''} {author.type} "
            "of the workspace",
            field=FIELD,
            details={"author_type": author.type, "id": author.id},
        )
