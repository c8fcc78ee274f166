# syntax=docker/dockerfile:1
# supportbot: one container serving Telegram and/or Discord, the dashboard, /healthz and /metrics.
#   docker build -t supportbot .
#   docker run -p 8080:8080 -v $PWD/config:/config -v supportbot-data:/data -e TELEGRAM_BOT_TOKEN=... supportbot
# compose.yaml runs it with PostgreSQL, two replicas and a reverse proxy (README "Run in production").
#
# The base image is pinned by digest, so a rebuild gets the same Python and Debian until the digest is
# moved on purpose. Refresh it for security updates: docker buildx imagetools inspect python:3.11-slim-bookworm
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84

# --- build: every wheel the app needs, each download checked against the lock file's hashes -----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
RUN pip wheel --require-hashes --only-binary=:all: -r requirements.lock -w /wheels
COPY pyproject.toml README.md LICENSE alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip wheel --no-deps . -w /wheels

# --- runtime: the wheels installed, no compiler, no pip cache, not root --------------------------------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SUPPORTBOT_CONFIG=/config/config.toml
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --no-deps /wheels/*.whl \
    && pip check

RUN groupadd --gid 10001 supportbot \
    && useradd --create-home --uid 10001 --gid 10001 supportbot \
    && mkdir -p /config /data \
    && chown supportbot:supportbot /data
USER 10001:10001

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
