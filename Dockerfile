# supportbot: one container serving Telegram and/or Discord.
#   docker build -t supportbot .
#   docker run -v $PWD/config:/config -v supportbot-data:/data -e TELEGRAM_BOT_TOKEN=... supportbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SUPPORTBOT_CONFIG=/config/config.toml

WORKDIR /app
COPY pyproject.toml README.md LICENSE alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip install '.[postgres]'

RUN useradd --create-home --uid 10001 supportbot \
    && mkdir -p /config /data \
    && chown supportbot:supportbot /data
USER supportbot

# The default SQLite URL is relative (sqlite+aiosqlite:///supportbot.db): it lands in /data.
WORKDIR /data
VOLUME ["/config", "/data"]

ENTRYPOINT ["supportbot"]
CMD ["run"]
