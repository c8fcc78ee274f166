"""supportbot: a chat-ops support desk for Telegram and Discord."""

__version__ = "0.1.0"
