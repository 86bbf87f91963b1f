# syntax=docker/dockerfile:1
# The archive's production image: gunicorn serving config.settings.production, static files
# collected at build time and served by whitenoise. Configuration: docs/configuration.md;
# running it with PostgreSQL: compose.yaml and docs/operations.md.

# --- builder: the virtualenv with every dependency from pyproject.toml ------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY archive ./archive
COPY search ./search
# Editable, like `make install`: the code runs from /app, where templates/ and static/ sit
# beside it (BASE_DIR), and the venv keeps only a pointer to it plus the dependencies.
RUN pip install --upgrade pip && pip install -e .

# --- runtime: slim, no build tools, not root --------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    SEARCH_INDEX_PATH=/data/index \
    STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=2

RUN groupadd --system --gid 10001 archive \
    && useradd --system --uid 10001 --gid archive --home-dir /app --no-create-home archive \
    && mkdir -p /data/index \
    && chown archive:archive /data/index

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Code and collected static files stay owned by root: the app user can write only /data/index.
COPY . .

# Settings are read at import time; these placeholders exist only for this one command and
# never reach the image's environment.
RUN SECRET_KEY=collectstatic-only-not-a-secret \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid/build \
    python manage.py collectstatic --noinput --verbosity 0

USER archive
VOLUME ["/data/index"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "config.healthcheck"]

# gunicorn reads its worker count from WEB_CONCURRENCY. Its control socket would need a
# writable home directory, and nothing in a container uses it.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--no-control-socket", "--access-logfile", "-", "--error-logfile", "-"]
