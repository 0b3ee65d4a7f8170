from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, UniqueConstraint

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# Named JSON states a bot keeps about one owner: a conversation, a user, the bot itself, an
# integration or a workflow (Botpress's ``getState``/``setState``). ``expiry_ms`` is the idle
# time after which the state lapses; ``expires_at`` is when it does, moved by every write.
bot_state = Table(
    "bot_state",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(16), nullable=False),
    Column("owner_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("payload", Json, nullable=False),
    Column("expiry_ms", BigInteger, nullable=True),
    Column("expires_at", Timestamp, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("workspace_id", "type", "owner_id", "name", name="uq_bot_state_owner_name"),
)
