"""gunicorn settings, read from the environment (see the README's configuration table)."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Threads let a worker keep answering while one client is slow to send or read.
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, staggered, so a slow leak can never take the service down.
max_requests = 2000
max_requests_jitter = 200
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# The app writes the access log itself: one JSON line per request, with its request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The app (and so its database pool) is built in each worker after fork, never shared.
preload_app = False
