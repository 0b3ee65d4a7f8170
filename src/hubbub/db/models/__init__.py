"""Every table, re-exported; importing this module registers them all on ``metadata``."""

from hubbub.db.models.agent import agent
from hubbub.db.models.bot_event import bot_event
from hubbub.db.models.bot_state import bot_state
from hubbub.db.models.channel import channel
from hubbub.db.models.contact import contact, contact_identifier
from hubbub.db.models.conversation import conversation, conversation_participant
from hubbub.db.models.event import event
from hubbub.db.models.idempotency import discriminator, idempotency_key
from hubbub.db.models.job import job
from hubbub.db.models.media import media
from hubbub.db.models.message import interaction, message
from hubbub.db.models.parked_status import parked_status
from hubbub.db.models.template import message_template
from hubbub.db.models.webhook import webhook_attempt, webhook_delivery, webhook_subscription
from hubbub.db.models.workspace import access_key, workspace

__all__ = [
    "access_key",
    "agent",
    "bot_event",
    "bot_state",
    "channel",
    "contact",
    "contact_identifier",
    "conversation",
    "conversation_participant",
    "discriminator",
    "event",
    "idempotency_key",
    "interaction",
    "job",
    "media",
    "message",
    "message_template",
    "parked_status",
    "webhook_attempt",
    "webhook_delivery",
    "webhook_subscription",
    "workspace",
]
