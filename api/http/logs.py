"""The access log: one JSON line per request, on stdout."""

import json
import logging
import sys
import time

from flask import g, request

access_log = logging.getLogger("api.access")


def configure_access_log(level: str) -> None:
    access_log.setLevel(level)
    access_log.propagate = False
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)


def log_request(response) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    line = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 2),
    }
    access_log.info(json.dumps(line))
