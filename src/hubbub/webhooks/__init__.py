"""Outbound webhooks: subscriptions per workspace, signed deliveries of the event log."""
