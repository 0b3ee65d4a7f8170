"""The delivery runner: claims due jobs from the outbox, runs them, retries with backoff."""
