"""Telegram adapter: polling or webhook intake, rendering and rate-limited delivery over the Bot API."""
