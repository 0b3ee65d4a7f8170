"""Simulators of provider HTTP APIs (Twilio, WhatsApp Cloud) for tests and demos."""
