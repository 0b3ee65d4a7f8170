"""Realtime fan-out of the event log to Server-Sent Events subscribers."""
