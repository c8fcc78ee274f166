# supportbot: one container serving Telegram and/or Discord.
#   docker build -t supportbot .
#   docker run -p 8080:8080 -v $PWD/config:/config -v supportbot-data:/data -e TELEGRAM_BOT_TOKEN=... supportbot
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

# The web server (dashboard, public tracker, /healthz, /metrics; the Telegram webhook too when [telegram]
# webhook_port is the same port) listens on every interface of the container. Set
# SUPPORTBOT_WEB__PUBLIC_URL to the address people open, e.g. -e SUPPORTBOT_WEB__PUBLIC_URL=https://desk.example.org
ENV SUPPORTBOT_WEB__LISTEN=0.0.0.0
EXPOSE 8080

# Healthy while /healthz answers 200: database reachable, sweep running, outbox draining (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SUPPORTBOT_WEB__PORT', '8080'), timeout=4)"]

ENTRYPOINT ["supportbot"]
CMD ["run"]
