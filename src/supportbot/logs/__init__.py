"""The bot's log lines: what each is about (context), what never shows in them (redaction), how they read (output)."""
