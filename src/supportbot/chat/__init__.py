"""Chat platforms: thin adapters and the outbox sender."""
