# Briefing API: migrate, seed, then serve with gunicorn on $PORT (default 8000).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY api ./api
COPY schemas ./schemas
# Install the dependencies only; the app itself runs from /app, beside its seed and migrations.
RUN /venv/bin/pip install . && /venv/bin/pip uninstall --yes briefing-api

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=api \
    PORT=8000
RUN useradd --create-home --uid 10001 briefing
WORKDIR /app
COPY --from=build /venv /venv
COPY api ./api
COPY schemas ./schemas
COPY migrations ./migrations
COPY seed ./seed
COPY gunicorn.conf.py ./
RUN mkdir instance && chown 10001:10001 instance
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=4)"]
CMD ["sh", "-c", "flask db upgrade && flask seed && exec gunicorn --config gunicorn.conf.py 'api:create_app()'"]
