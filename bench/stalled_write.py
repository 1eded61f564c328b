"""gunicorn settings for bench/faults.py's stalled-write phase: the project's own, plus a fault.
A PATCH whose summary is "Stall." stops inside its write, holding SQLite's write lock, for 60 s,
after writing its worker's pid to $STALL_PID_FILE (so that the drill can also freeze it)."""

import os
import runpy
import time
from pathlib import Path

globals().update(runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")))
project_post_fork = post_fork  # noqa: F821 (from the project's settings)


def post_fork(server, worker):
    project_post_fork(server, worker)
    from api.store import commits

    end_write = commits.end_write

    def stalling_end_write(*written, **options):
        if any(getattr(item, "summary", None) == "Stall." for item in written):
            Path(os.environ["STALL_PID_FILE"]).write_text(str(os.getpid()), encoding="ascii")
            time.sleep(60)
        return end_write(*written, **options)

    commits.end_write = stalling_end_write
