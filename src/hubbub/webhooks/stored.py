"""Internal shapes of the sender: never sent over the API as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hubbub.events.schemas import Event
from hubbub.webhooks.schemas import Webhook, WebhookWithSecret


class StoredWebhook(WebhookWithSecret):
    # The seq of the last event of the log already turned into deliveries.
    cursor: int

    def public(self) -> Webhook:
        return Webhook.model_validate(self.model_dump(exclude={"secret", "cursor"}))


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a sender has leased, with what it needs to make the request."""

    id: str
    workspace_id: str
    subscription_id: str
    lane: str
    url: str
    secret: str
    attempts: int
    created_at: datetime
    event: Event
