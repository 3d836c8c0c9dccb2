# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles \
    OSRSDIFF_VAR_DIR=/app/var

WORKDIR /app
COPY pyproject.toml README.md ./
COPY osrsdiff ./osrsdiff
COPY hiscores ./hiscores
COPY players ./players
COPY progress ./progress
COPY groups ./groups
COPY api ./api
COPY webhooks ./webhooks
COPY manage.py gunicorn.conf.py ./
RUN pip install . \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /app/var \
    && useradd --create-home --uid 1000 osrsdiff \
    && mkdir -p /app/var && chown osrsdiff /app/var

USER osrsdiff
EXPOSE 8000
CMD ["gunicorn", "osrsdiff.wsgi", "--bind", "0.0.0.0:8000"]
