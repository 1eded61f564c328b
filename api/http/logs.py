"""The access log: one JSON line per request, on stdout, with the request's id."""

import json
import logging
import os
import re
import sys
import time

from flask import g, request

access_log = logging.getLogger("api.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def configure_access_log(level: str) -> None:
    access_log.setLevel(level)
    access_log.propagate = False
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)


def request_id(given: str) -> str:
    """The request's id: the client's X-Request-ID if well formed, else a new one."""
    return given if REQUEST_ID.match(given) else os.urandom(16).hex()


def log_request(response) -> None:
    log_line(
        g.get("request_id"), request.method, request.path, response.status_code, g.get("started", 0)
    )


def log_line(identifier: str, method: str, path: str, status: int, started: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    line = {
        "request_id": identifier,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    access_log.info(json.dumps(line))
