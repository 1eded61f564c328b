# Briefing API: migrate, seed (adds only what is missing), then serve with gunicorn on $PORT.
# Stop with `docker stop` (its default 10 s covers gunicorn's graceful_timeout of 8 s).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
# The pinned versions (./dev installs the same; pip adds only what an older 3.11 needs, e.g.
# async-timeout before 3.11.3), then no installer left in the venv.
RUN python -m venv /venv \
    && /venv/bin/pip install --requirement requirements.lock \
    && /venv/bin/pip uninstall --yes pip setuptools

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=api \
    PORT=8000
RUN useradd --create-home --uid 10001 --gid 0 briefing
WORKDIR /app
COPY --from=build /venv /venv
COPY api ./api
COPY schemas ./schemas
COPY migrations ./migrations
COPY seed ./seed
COPY gunicorn.conf.py ./
COPY deploy/start.sh ./deploy/start.sh
# The SQLite database lives in instance/: a volume, so that `docker rm` does not lose it. Group 0
# may write it, so that an arbitrary uid in group 0 (OpenShift) runs too.
RUN mkdir instance && chown 10001:0 instance && chmod 0775 instance
VOLUME ["/app/instance"]
USER 10001
EXPOSE 8000
# Straight to 127.0.0.1, never through a proxy from the environment (Docker may inject one).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=4)"]
CMD ["deploy/start.sh"]
