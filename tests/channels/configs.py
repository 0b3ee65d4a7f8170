"""Valid channel settings for each built-in platform that takes any, for tests that store a
configured channel (the platform's settings model refuses anything else)."""

from __future__ import annotations

from typing import Any

SMS: dict[str, Any] = {
    "base_url": "https://api.twilio.test",
    "account_sid": "AC1",
    "auth_token": "twilio-token",
}
SMS_OTHER: dict[str, Any] = {**SMS, "messaging_service_sid": "MG2"}
WHATSAPP: dict[str, Any] = {
    "base_url": "https://graph.facebook.test",
    "phone_number_id": "1234",
    "access_token": "wa-token",
}
EMAIL: dict[str, Any] = {"smtp_host": "smtp.example.test", "smtp_port": 587}
WEBHOOK: dict[str, Any] = {"url": "http://x.test/", "secret": "shared-secret"}

VALID: dict[str, dict[str, Any]] = {
    "sms": SMS,
    "whatsapp": WHATSAPP,
    "email": EMAIL,
    "webhook": WEBHOOK,
}
