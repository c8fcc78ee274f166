"""Discord adapter: gateway events and slash commands in, rendered messages out over REST."""
