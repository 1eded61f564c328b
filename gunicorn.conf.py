"""gunicorn settings, read from the environment (see the README's configuration table).

Why these: threaded workers (gthread) keep answering while a few clients send or read slowly
(a sync worker is held by one slow client); timeouts bound how long any client can hold a
thread; request-line and header limits refuse oversized requests before the app sees them;
workers are recycled now and then, staggered, so a slow leak cannot take the service down.
For internet exposure, put a buffering reverse proxy (nginx) in front: it absorbs slowloris-style
clients entirely, and gunicorn only ever talks to it.
"""

import gc
import json
import os

import gunicorn.http.wsgi
import gunicorn.util

from api.config import THREADS_PER_WORKER, worker_count

bind = f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
workers = worker_count()  # and each worker's share of DATABASE_CONNECTIONS: api/config.py
# gthread, with each request's headers read by the event loop: clients that never finish them
# hold no thread, and are closed after HEADER_TIMEOUT seconds (api/server.py).
worker_class = "api.server.HeadersFirstWorker"
threads = THREADS_PER_WORKER
# A worker silent this long (its event loop stopped: a process frozen, stuck holding the GIL) is
# ended and replaced. A slow request does not count: gthread's loop beats while threads work.
# On SQLite a frozen worker inside a write holds every other write back until then.
timeout = 10
# Below `docker stop`'s default 10 s (and the Compose file's stop_grace_period), so that
# in-flight requests finish before the container is killed.
graceful_timeout = 8
keepalive = 5
# A recycled worker starts with an empty response cache; recycling every few thousand
# requests showed as latency spikes under load, so it happens rarely (and staggered).
max_requests = 50000
max_requests_jitter = 5000
# X-Forwarded-Proto and the like are believed only behind a proxy the operator names (PROXY_HOPS,
# which the app's ProxyFix counts too); gunicorn's default believes any client on 127.0.0.1.
forwarded_allow_ips = "*" if int(os.environ.get("PROXY_HOPS") or 0) else ""
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# gunicorn 27 opens a control socket for `gunicornc` at one fixed path in the home folder,
# shared by every instance on the machine (one instance's shutdown deleted another's socket),
# and fails to create it on a read-only file system. Nothing here uses it: off.
control_socket_disable = True
# The app writes the access log itself: one JSON line per request, with its request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The app is loaded once, before fork: workers share its memory (181 MiB PSS for master and 5
# workers, against 361 MiB without). Each worker then drops the inherited pool (post_fork).
preload_app = True


def write_problem(sock, status_int, reason, mesg):
    """gunicorn's own refusals (request line or headers too large, malformed HTTP) speak
    RFC 9457 like the app, instead of an HTML page."""
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status_int, "detail": mesg or reason}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


gunicorn.util.write_error = write_problem
# No version banner: the Server header names the service, not the software under it.
gunicorn.http.wsgi.SERVER = "briefing-api"


def when_ready(server):
    """Move the preloaded app's objects out of the garbage collector's sight: workers then
    neither copy the pages they live on (each collection writes to every object it visits)
    nor pause to walk them all."""
    gc.freeze()


def post_fork(server, worker):
    """Never share a connection pool between processes: a worker starts without the pools it
    inherited from the preloaded app (the master's connections are left alone). On SQLite, a
    worker ends itself if one of its writes stalls holding the write lock."""
    app = server.app.wsgi() if server.cfg.preload_app else None
    if app is not None and "sqlalchemy" in app.extensions:
        from api.extensions import db
        from api.store.database import watch_stalled_writes

        with app.app_context():
            db.engine.dispose(close=False)
            if db.engine.dialect.name == "sqlite":
                watch_stalled_writes()
        app.extensions["direct_reads"].dispose(close=False)
