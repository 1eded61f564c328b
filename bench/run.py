"""Load benchmark: Briefing API vs Datasette on the same SQLite file, and vs a constant-JSON
Flask view under the same gunicorn config (the ceiling). Interleaved rounds of wrk from this
machine, 127.0.0.1 only, after a warm-up run of each request; prints requests/s (median of
rounds), p50/p99 latency, errors, server CPU ms per request, and the servers' memory. Our
service runs twice: as served (response cache on) and with its response cache off (the cost of
rendering). Exits 1 if any request failed.

    .venv/bin/python bench/run.py [--stances 100000] [--rounds 3] [--seconds 5]
                                  [--database sqlite|postgresql]

Needs `wrk` (Debian package). Datasette is installed into bench/.datasette-venv on first run.
Datasette runs with facet suggestions off, page size 50, and `_nocount=1` on table requests
(its defaults compute facet suggestions and a count on every table request).
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.store.pagination import encode_cursor  # noqa: E402
from tests.helpers import free_port, run_command  # noqa: E402

BIN = Path(sys.executable).parent
DATASETTE_VENV = ROOT / "bench" / ".datasette-venv"
TICKS = os.sysconf("SC_CLK_TCK")
LAST = encode_cursor("id", "stance-0099949", "stance-0099949")  # the page after: the last 50


sh = run_command


def wait_until_up(url: str, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid] + [grandchild for kid in kids for grandchild in tree(kid)]


def cpu_seconds(pid: int) -> float:
    """CPU of a server: its live processes, plus the workers it has reaped (recycled ones)."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if member == pid:
            total += int(fields[13]) + int(fields[14])
    return total / TICKS


def pss_mib(pid: int) -> float:
    total = 0
    for member in tree(pid):
        try:
            text = Path(f"/proc/{member}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))
        except (OSError, AttributeError):
            pass
    return total / 1024


class Target:
    def __init__(self, name, command, environment, health):
        self.name, self.port = name, free_port()
        command = [part.replace("{port}", str(self.port)) for part in command]
        environment = {**os.environ, **environment}
        environment.pop("WEB_CONCURRENCY", None)  # gunicorn.conf.py's default for the database
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until_up(self.base + health)
        self.peak_pss = 0.0

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def gunicorn(name, app, database_url, **environment):
    return Target(
        name,
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--bind", "127.0.0.1:{port}", app],
        {
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "warning",
            **environment,
        },
        "/healthz" if "api" in app else "/constant",
    )


def datasette(database_file):
    if not (DATASETTE_VENV / "bin" / "datasette").exists():
        sh(sys.executable, "-m", "venv", str(DATASETTE_VENV))
        sh(str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", "datasette==0.65.5")
    return Target(
        "datasette",
        [
            str(DATASETTE_VENV / "bin" / "datasette"),
            "serve",
            str(database_file),
            "-i",
            str(database_file),
            "--port",
            "{port}",
            "--setting",
            "default_page_size",
            "50",
            "--setting",
            "suggest_facets",
            "off",
        ],
        {},
        "/-/versions.json",
    )


RANDOM_PATHS = """
local paths = {{}}
for line in io.lines("{file}") do paths[#paths + 1] = line end
local thread_number = 0
function setup(thread)
  thread_number = thread_number + 1
  thread:set("seed", thread_number)
end
function init(args)
  math.randomseed(os.time() + seed)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def wrk(url: str, seconds: int, connections: int = 32) -> dict:
    """wrk on one URL, or, for a `base@file` URL, on paths drawn at random from that file."""
    url, _, paths = url.partition("@")
    script = []
    if paths:
        lua = Path(paths).with_suffix(".lua")
        lua.write_text(RANDOM_PATHS.format(file=paths))
        script = ["-s", str(lua)]
    # A slow answer is slow, not failed: allow 30 s before wrk counts a timeout.
    load = ["-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    output = sh("wrk", *load, *script, url)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "rate": rate,
        "requests": requests,
        "p50": to_ms(latency.get("50")),
        "p99": to_ms(latency.get("99")),
        "errors": errors,
    }


def to_ms(text: str | None) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def measure(targets: dict, cases: list, rounds: int, seconds: int) -> dict:
    for _label, target_name, path in cases:  # warm up every server and request; not counted
        wrk(targets[target_name].base + path, 1)
    results = {}
    for _ in range(rounds):
        for label, target_name, path in cases:
            target = targets[target_name]
            before = cpu_seconds(target.process.pid)
            run = wrk(target.base + path, seconds)
            run["cpu_ms"] = (
                (cpu_seconds(target.process.pid) - before) * 1000 / max(run["requests"], 1)
            )
            target.peak_pss = max(target.peak_pss, pss_mib(target.process.pid))
            results.setdefault((label, target_name), []).append(run)
            settle(target)
    return results


def settle(target, seconds: float = 10) -> None:
    """Wait for a server to finish what wrk left in flight (slow requests go on after wrk
    stops), so that it does not take CPU from the next measurement."""
    deadline = time.monotonic() + seconds
    used = cpu_seconds(target.process.pid)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_seconds(target.process.pid)
        if now - used < 0.01:
            return
        used = now


def summarize(runs: list[dict]) -> dict:
    return {
        key: statistics.median(run[key] for run in runs) for key in ("rate", "p50", "p99", "cpu_ms")
    } | {"errors": sum(r["errors"] for r in runs)}


def prepare(stances: int, url: str) -> None:
    sh(str(BIN / "flask"), "--app", "api", "db", "upgrade", DATABASE_URL=url)
    if stances:
        sh(str(BIN / "flask"), "--app", "api", "synth", "--stances", str(stances), DATABASE_URL=url)
    else:
        sh(str(BIN / "flask"), "--app", "api", "seed", DATABASE_URL=url)


@contextmanager
def served_database(options, sqlite_file: Path):
    """The database our service reads: the SQLite file Datasette gets a copy of, or a
    PostgreSQL database filled the same way (synth is deterministic), dropped afterwards."""
    if options.database == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"briefing_bench_{os.getpid()}"
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", name)
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        prepare(options.stances, url)
        # Settle the bulk load now, or autovacuum does it in the middle of a measurement.
        sh("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-c", "VACUUM ANALYZE")
        yield url
    finally:
        sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stances", type=int, default=100_000, help="0: the real seed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as directory:
        sqlite_file = Path(directory) / "briefing.db"
        prepare(options.stances, f"sqlite:///{sqlite_file}")
        table = "synth" if options.stances else "seed"
        copy = Path(directory) / f"{table}.db"
        shutil.copy(sqlite_file, copy)
        with served_database(options, sqlite_file) as url:
            results, targets = run_cases(options, url, copy, table, Path(directory))
    report(results, targets, options)


RANDOM_SETS = {  # workload: how many distinct URLs it draws from
    "random filtered keyset pages": 5_000,
    "random stances by id": 20_000,
    "random pages of all stances": 20_000,
    "random phrase searches": 500,
}
SYNTH_ACTORS = 500  # `flask synth`: stance n is actor n % 500's, position POSITIONS[n % 5]


def random_urls(stances: int, table: str, seed: int = 6) -> dict[str, tuple[list, list]]:
    """The random-URL workloads, drawn once for both servers: (our paths, Datasette's), the
    same rows asked for in the same order. Pages continue after a random stance, as a client
    following cursors would be."""
    from schemas.stances import POSITIONS

    rng = random.Random(seed)
    sets = {name: ([], []) for name in RANDOM_SETS}
    page = "_size=50&_nocount=1&_sort=id&_shape=objects"

    def stance(n: int) -> str:
        return f"stance-{n:07d}"

    for _ in range(RANDOM_SETS["random filtered keyset pages"]):
        n = rng.randrange(stances)
        actor = f"actor-{n % SYNTH_ACTORS:05d}"
        cursor = encode_cursor("id", stance(n), stance(n))
        ours, theirs = sets["random filtered keyset pages"]
        ours.append(f"/v1/stances?actor={actor}&limit=50&cursor={cursor}")
        theirs.append(f"/{table}/stances.json?actor_id={actor}&id__gt={stance(n)}&{page}")
    for _ in range(RANDOM_SETS["random stances by id"]):
        n = rng.randrange(stances)
        ours, theirs = sets["random stances by id"]
        ours.append(f"/v1/stances/{stance(n)}")
        theirs.append(f"/{table}/stances/{stance(n)}.json?_shape=objects")
    for _ in range(RANDOM_SETS["random pages of all stances"]):
        n = rng.randrange(stances)
        cursor = encode_cursor("id", stance(n), stance(n))
        ours, theirs = sets["random pages of all stances"]
        ours.append(f"/v1/stances?limit=50&cursor={cursor}")
        theirs.append(f"/{table}/stances.json?id__gt={stance(n)}&{page}")
    for actor in rng.sample(range(SYNTH_ACTORS), RANDOM_SETS["random phrase searches"]):
        phrase = urllib.parse.quote(f'"actor {actor} {POSITIONS[actor % len(POSITIONS)]}"')
        ours, theirs = sets["random phrase searches"]
        ours.append(f"/v1/search?q={phrase}&limit=50")
        theirs.append(
            f"/{table}/search_index.json?_search={phrase}&_searchmode=raw&_size=50&_nocount=1"
        )
    return sets


def same_rows(ours_base: str, theirs_base: str, sets: dict, checks: int = 5) -> None:
    """Preflight: for the first URLs of each workload, both servers answer the same rows (a
    search: as many hits, all of the phrase's actor, which the two rank each in their way)."""
    for name, (ours, theirs) in sets.items():
        found = 0
        for mine, yours in list(zip(ours, theirs, strict=True))[:checks]:
            body, other = fetch(ours_base + mine), fetch(theirs_base + yours)
            mine_ids = [body["id"]] if "id" in body else [row["id"] for row in body["data"]]
            rows = [
                row if isinstance(row, dict) else dict(zip(other["columns"], row, strict=True))
                for row in other["rows"]
            ]
            their_ids = [row.get("item_id") or row["id"] for row in rows]
            if "search" in name:
                actor = int(re.search(r"actor%20(\d+)", mine).group(1))
                same = len(mine_ids) == len(their_ids) and all(
                    int(item.removeprefix("stance-")) % SYNTH_ACTORS == actor
                    for item in mine_ids + their_ids
                )
            else:
                same = mine_ids == their_ids
            if not same:
                sys.exit(f"preflight: {name}: {mine} and {yours} answer different rows")
            found += len(mine_ids)
        if not found:
            sys.exit(f"preflight: {name}: no rows at all")


def fetch(url: str):
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def run_cases(options, url: str, copy: Path, table: str, directory: Path):
    """Start the servers, check and measure every case; the servers stop whatever happens (a
    server that does not start, a preflight that finds different rows, an interrupted run)."""
    targets = {}
    try:
        targets["ours"] = gunicorn("ours", "api:create_app()", url)
        # The same service with its response cache off: what rendering a page costs.
        targets["ours, uncached"] = gunicorn(
            "ours, uncached", "api:create_app()", url, RESPONSE_CACHE="0"
        )
        targets["datasette"] = datasette(copy)
        # The ceiling takes ours' DATABASE_URL (which it never opens) for the same worker count.
        targets["ceiling"] = gunicorn("ceiling", "bench.ceiling:create_app()", url)
        cases = fixed_cases(options, table)
        if options.stances:
            cases += random_cases(options, table, directory, targets)
        return measure(targets, cases, options.rounds, options.seconds), targets
    finally:
        for target in targets.values():
            target.stop()


def fixed_cases(options, table: str) -> list:
    # A stance in the middle (one that exists at any --stances), or one of the seed's.
    item = f"stance-{options.stances // 2:07d}" if options.stances else "italy-opposes-coalition"
    filtered = "/v1/stances?position=opposes&limit=50"
    search = "/v1/search?q=opposes&limit=50"
    cases = [
        ("filtered page of 50 stances", "ours", filtered),
        ("filtered page of 50 stances", "ours, uncached", filtered),
        (
            "filtered page of 50 stances",
            "datasette",
            f"/{table}/stances.json?position=opposes&_size=50&_nocount=1&_sort=id",
        ),
        ("one stance by id", "ours", f"/v1/stances/{item}"),
        ("one stance by id", "ours, uncached", f"/v1/stances/{item}"),
        ("one stance by id", "datasette", f"/{table}/stances/{item}.json"),
        ("text search", "ours", search),
        ("text search", "ours, uncached", search),
        (
            "text search",
            "datasette",
            f"/{table}/search_index.json?_search=opposes&_size=50&_nocount=1",
        ),
        ("constant JSON", "ceiling", "/constant"),
    ]
    if options.stances:
        for target in ("ours", "ours, uncached"):
            cases.append(("first page of stances", target, "/v1/stances?limit=50"))
            cases.append(("last page of stances", target, f"/v1/stances?limit=50&cursor={LAST}"))
    else:
        cases.append(("full briefing", "ours", "/v1/briefing"))
        cases.append(("full briefing", "ours, uncached", "/v1/briefing"))
    return cases


def random_cases(options, table: str, directory: Path, targets: dict) -> list:
    """The random-URL workloads, checked at preflight, each URL set in a file wrk reads."""
    sets = random_urls(options.stances, table)
    same_rows(targets["ours"].base, targets["datasette"].base, sets)
    cases = []
    for number, (name, (ours, theirs)) in enumerate(sets.items()):
        for who, paths in (("ours", ours), ("datasette", theirs)):
            listed = directory / f"{who}-{number}.txt"
            listed.write_text("\n".join(paths) + "\n")
            cases.append((name, who, f"@{listed}"))
            if who == "ours":
                cases.append((name, "ours, uncached", f"@{listed}"))
    return cases


def report(results, targets, options):
    rows = {key: summarize(runs) for key, runs in results.items()}
    print(
        f"## {options.stances or 'the seed'} stances on {options.database}; {options.rounds} "
        f"rounds x {options.seconds} s; wrk -t2 -c32; {os.cpu_count()} cores\n"
    )
    print("| request | server | req/s (median) | p50 ms | p99 ms | CPU ms/req | errors |")
    print("|---|---|---|---|---|---|---|")
    for (label, target), row in rows.items():
        print(
            f"| {label} | {target} | {row['rate']:.0f} | {row['p50']:.2f} | {row['p99']:.2f} | "
            f"{row['cpu_ms']:.2f} | {row['errors']} |"
        )
    ceiling = rows[("constant JSON", "ceiling")]
    print(
        "\n| request | server | ÷ datasette req/s | ÷ datasette CPU | ÷ ceiling req/s | "
        "÷ ceiling p99 |"
    )
    print("|---|---|---|---|---|---|")
    labels = ["filtered page of 50 stances", "one stance by id", "text search"]
    if options.stances:
        labels += list(RANDOM_SETS)
    for label in labels:
        theirs = rows[(label, "datasette")]
        for target in ("ours", "ours, uncached"):
            ours = rows[(label, target)]
            print(
                f"| {label} | {target} | {ours['rate'] / theirs['rate']:.2f} | "
                f"{ours['cpu_ms'] / theirs['cpu_ms']:.2f} | {ours['rate'] / ceiling['rate']:.2f} | "
                f"{ours['p99'] / ceiling['p99']:.2f} |"
            )
    if options.stances:
        for target in ("ours", "ours, uncached"):
            first = rows[("first page of stances", target)]
            last = rows[("last page of stances", target)]
            ratio = last["cpu_ms"] / first["cpu_ms"]
            print(f"\nLast page / first page CPU ({target}): {ratio:.2f}")
    print("\nPeak PSS (MiB): " + ", ".join(f"{t.name} {t.peak_pss:.0f}" for t in targets.values()))
    failed = sum(row["errors"] for row in rows.values())
    print(json.dumps({"failed requests": failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
