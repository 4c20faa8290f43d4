# KaderBot in a container: `kaderbot run` serving webhooks, /healthz and /metrics on port 8080.
#
#   docker build -t kaderbot .
#   docker run --rm --env-file .env kaderbot kaderbot db upgrade     # once per release, before starting
#   docker run -d --name kaderbot --env-file .env -p 127.0.0.1:8080:8080 kaderbot
#
# Configure it with the environment (README, "Settings"): DATABASE_URL for PostgreSQL, and
# TELEGRAM_* and/or WHATSAPP_*; without a channel `kaderbot run` would open the console chat, which
# needs a terminal (docker run -it). With the default SQLite database, mount a volume on /app/data.

FROM python:3.11-slim

# Inside a container the server listens on every interface (publish the port to the host only);
# logs are JSON lines; matplotlib (the recap chart) gets a writable cache directory.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080 \
    LOG_FORMAT=json \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# Dependencies first, pinned by requirements/run.lock (the versions every machine runs), so a code
# change does not reinstall them (tzdata among them: WITA, WIB and WIT even where the base image
# lacks the system zoneinfo files).
COPY pyproject.toml README.md ./
COPY requirements/run.lock ./requirements/run.lock
RUN pip install -r requirements/run.lock

# The application. Installed in place (editable): the catalogues under locales/ are found next to
# the code, as in a checkout.
COPY alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kaderbot \
    && mkdir -p /app/data \
    && chown kaderbot:kaderbot /app/data

USER kaderbot
VOLUME ["/app/data"]
EXPOSE 8080

# 503 while the database or a channel is down (see README, "Operations").
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"WEB_PORT\", \"8080\")}/healthz', timeout=4)"]

# SIGTERM (docker stop) lets sends in flight finish and releases the scheduler lease.
STOPSIGNAL SIGTERM
CMD ["kaderbot", "run"]
