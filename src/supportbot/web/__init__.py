"""The web side on one aiohttp server: public tracker, team board, /healthz, /metrics (and the Telegram
webhook when it shares the address). Pages call the same use cases as chat commands."""
