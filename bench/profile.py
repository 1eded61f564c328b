"""Where a request's time goes: py-spy samples the app answering one path many times in-process
(no gunicorn, no network), and this prints the functions that hold the most samples.

    .venv/bin/python bench/profile.py [--stances 100000] [--requests 20000] [--uncached] PATH

PATH is a URL path with its query, e.g. "/v1/stances?position=opposes&limit=50", or @FILE for a
path drawn at random from FILE's lines for every request, or the name of one of bench/run.py's
random-URL workloads ("random stances by id", …: its URL set). The database is
a temporary SQLite file filled by `flask synth` (or `flask seed` with --stances 0). Needs py-spy
(`pip install -e ".[bench]"`). --uncached switches the response cache off: the cost of rendering.
"""

import argparse
import gc
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from werkzeug.test import create_environ

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BIN, RANDOM_SETS, prepare, random_urls  # noqa: E402

ROOT_FRAME = "Flask.wsgi_app"  # samples outside a request (imports, set-up) are left out


def drive(path: str, requests: int) -> None:
    """Answer `path` `requests` times through the WSGI app, as gunicorn would call it; for
    `@FILE`, a path drawn at random from that file's lines each time."""
    from api import create_app

    app = create_app()
    gc.freeze()  # as gunicorn.conf.py does after loading the app
    paths = Path(path[1:]).read_text().split() if path.startswith("@") else [path]
    rng = random.Random(1)
    statuses = Counter()
    for _ in range(requests):
        route, _, query = rng.choice(paths).partition("?")
        environ = create_environ(route, query_string=query, headers={"User-Agent": "wrk"})
        app(environ, lambda status, headers, exc_info=None: statuses.update([status]))
    print(dict(statuses), file=sys.stderr)


def summarize(raw: Path, top: int = 30) -> None:
    """Self and inclusive shares of the samples taken inside a request."""
    own, inclusive, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        starts = [i for i, frame in enumerate(frames) if frame.startswith(ROOT_FRAME)]
        if not starts:
            continue
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in frames[starts[0] :]]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    print(f"{total} samples inside requests\n\nself time:")
    for frame, count in own.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame}")
    print("\ninclusive time:")
    for frame, count in inclusive.most_common(top * 2):
        print(f"{100 * count / total:5.1f}%  {frame}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--stances", type=int, default=100_000, help="0: the real seed")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--uncached", action="store_true")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.drive:
        drive(options.path, options.requests)
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/briefing.db"
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "warning",
            "RESPONSE_CACHE": "false" if options.uncached else "true",
        }
        prepare(options.stances, url)
        path = options.path
        if path in RANDOM_SETS:  # one of bench/run.py's random-URL workloads, by name
            ours, _ = random_urls(options.stances, "synth")[path]
            paths = Path(directory) / "paths.txt"
            paths.write_text("\n".join(ours))
            path = f"@{paths}"
        raw = Path(directory) / "samples.txt"
        command = [sys.executable, __file__, path, "--drive"]
        command += ["--requests", str(options.requests)]
        spy = [str(BIN / "py-spy"), "record", "--rate", "500", "--format", "raw", "--nonblocking"]
        subprocess.run(
            [*spy, "--output", str(raw), "--", *command],
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,  # py-spy's progress lines
        )
        summarize(raw)


if __name__ == "__main__":
    main()
