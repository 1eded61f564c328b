"""The gunicorn worker: gthread, but the request line and headers of every request are read by
the worker's event loop, not by a thread. A connection takes one of the worker's threads only
once its headers have arrived whole; one whose headers take longer than HEADER_TIMEOUT seconds
(30 by default) is closed, and a thread that then waits on a client (a body sent slowly, an
answer read slowly) gives up after the same time. So clients that never finish their headers,
however many, hold no thread, and everyone else is served meanwhile.

gunicorn's gthread worker (27) reads them on a thread with no deadline: 50 such connections
stopped 3 workers of 16 threads. This subclasses its private parts (`enqueue_req`, `handle`,
`murder_pending`, TConn's `parser`): pyproject.toml bounds gunicorn to 27, and
tests/test_server.py fails if the override stops holding.
"""

import os
import selectors
import time
from functools import partial

from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, ThreadWorker

HEAD_END = b"\r\n\r\n"
# More than this without the end of the headers: handed to gunicorn's parser, which refuses it.
MOST_HEAD_BYTES = 4094 + 100 * 8190


def header_timeout() -> float:
    return float(os.environ.get("HEADER_TIMEOUT") or 30)


class HeadersFirstWorker(ThreadWorker):
    """gthread, with each request's headers read by the event loop (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeout_seconds = header_timeout()
        self.heading: list = []  # the connections whose headers the loop is reading

    def enqueue_req(self, conn):
        """Hand a connection to a thread once its next request's headers are all there."""
        if HEAD_END in self.arrived(conn) or len(self.arrived(conn)) > MOST_HEAD_BYTES:
            super().enqueue_req(conn)
            return
        if getattr(conn, "head_deadline", None) is None:
            conn.head_deadline = time.monotonic() + self.timeout_seconds
        conn.sock.setblocking(False)
        self.heading.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_head_data, conn))

    def arrived(self, conn) -> bytes:
        """What the connection holds of its next request: read ahead, then read by the loop."""
        ahead = conn.parser.unreader.buf.getvalue() if conn.parser is not None else b""
        return ahead + getattr(conn, "head", b"")

    def on_head_data(self, conn, sock) -> None:
        """The loop reads what the client sent; a thread takes over once the headers are in."""
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.poller.unregister(conn.sock)
        self.heading.remove(conn)
        if not data:  # the client went away
            self.nr_conns -= 1
            conn.close()
            return
        conn.head = getattr(conn, "head", b"") + data
        conn.data_ready = True
        self.enqueue_req(conn)

    def handle(self, conn):
        """In the thread: give the parser what the loop read, then serve as gthread does, with
        the client's socket timing out after HEADER_TIMEOUT."""
        if getattr(conn, "head", b""):
            conn.sock.setblocking(True)
            conn.init()
            unreader = conn.parser.unreader
            unreader.unread(unreader.take_buffered() + conn.head)
        conn.head, conn.head_deadline = b"", None
        return super().handle(conn)

    def handle_request(self, req, conn):
        conn.sock.settimeout(self.timeout_seconds)
        return super().handle_request(req, conn)

    def murder_pending(self):
        """Close, besides gthread's idle connections, those whose headers are overdue. A
        stopping worker gives the others STOP_KEEPALIVE_LINGER to finish theirs, as gthread
        gives its kept-alive connections: a request that was on its way is still answered."""
        super().murder_pending()
        now = time.monotonic()
        if not self.alive:
            for conn in self.heading:
                conn.head_deadline = min(conn.head_deadline, now + STOP_KEEPALIVE_LINGER)
        for conn in [c for c in self.heading if c.head_deadline <= now]:
            self.heading.remove(conn)
            try:
                self.poller.unregister(conn.sock)
            except (OSError, KeyError, ValueError):
                pass
            self.nr_conns -= 1
            conn.close()
