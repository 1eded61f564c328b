"""The cost curve: what each workload costs per request as the briefing grows, at several sizes
(`flask synth`), on SQLite or PostgreSQL. Each size's database is built once into --keep and
reused by later runs. For each size: an import of one article (the seed's, 60 facts) into a
copy of the big database, the start-up on it (migrate and seed, finding nothing to do, then
gunicorn answering), then wrk on random URLs of every workload against the service with its
response cache off (what a page costs to make; a random URL is rarely a cache hit anyway),
and one repeated URL as served (a cache hit) against the constant-JSON ceiling. Writes the
figures as JSON beside a PNG plot of CPU per request by size.

    .venv/bin/python bench/curve.py --stances 10000 100000 1000000 [--database postgresql]
                                    [--seconds 4] [--rounds 2] [--keep bench/.databases]
                                    [--output bench/curve]

Needs `wrk`, and matplotlib for the plot (the bench extra: pip install -e '.[bench]').
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import (  # noqa: E402
    BIN,
    SYNTH_ACTORS,
    cpu_seconds,
    gunicorn,
    pss_mib,
    settle,
    sh,
    summarize,
    wrk,
)

from api.loading.synth import FIRST_DAY, STANCES_PER_SOURCE  # noqa: E402
from api.store.pagination import encode_cursor  # noqa: E402

DATABASES = "SELECT datname FROM pg_database"
SYNTH_PROPOSALS = 200  # `flask synth`: stance n is on proposal (7 n) % 200
PAIRS = 1000  # an actor's stances on a proposal come 1,000 apart: 1,000 pairs in all
REPEATED = "/v1/stances?position=opposes&limit=50"
ARTICLE = ROOT / "seed" / "nato-divisions-ukraine.yaml"  # the article imported: 61 items
WORKLOADS = {  # name: how many distinct random URLs
    "items": 20_000,
    "keyset pages": 5_000,
    "whole pages": 20_000,
    "search": 500,
    "matrix": 2_000,
    "timeline": 1_000,
    "as_of page": 2_000,
    "CSV of 10,000 rows": 1,
}


def random_paths(stances: int, seed: int = 30) -> dict[str, list[str]]:
    """Each workload's URLs, drawn at random over the whole database (the same at any size for
    the workloads that do not depend on it)."""
    from schemas.stances import POSITIONS

    rng = random.Random(seed)
    sources = -(-stances // STANCES_PER_SOURCE)

    def stance(n: int) -> str:
        return f"stance-{n:07d}"

    def cursor(n: int) -> str:
        return encode_cursor("id", stance(n), stance(n))

    def actor(n: int) -> str:
        return f"actor-{n % SYNTH_ACTORS:05d}"

    def day(number: int) -> str:
        return (FIRST_DAY + timedelta(days=number)).isoformat()

    paths = {}
    draw = [rng.randrange(stances) for _ in range(20_000)]
    paths["items"] = [f"/v1/stances/{stance(n)}" for n in draw]
    paths["keyset pages"] = [
        f"/v1/stances?actor={actor(n)}&limit=50&cursor={cursor(n)}" for n in draw[:5_000]
    ]
    paths["whole pages"] = [f"/v1/stances?limit=50&cursor={cursor(n)}" for n in draw]
    paths["search"] = [
        "/v1/search?limit=50&q="
        + urllib.parse.quote(f'"actor {n} {POSITIONS[n % len(POSITIONS)]}"')
        for n in rng.sample(range(SYNTH_ACTORS), WORKLOADS["search"])
    ]
    paths["matrix"] = [
        "/v1/stances/matrix?actor="
        + ",".join(actor(rng.randrange(SYNTH_ACTORS)) for _ in range(20))
        for _ in range(WORKLOADS["matrix"])
    ]
    paths["timeline"] = [
        f"/v1/actors/{actor(pair)}/stances?proposal=proposal-{pair * 7 % SYNTH_PROPOSALS:04d}"
        "&sort=reported_on&limit=50"
        for pair in range(PAIRS)
    ]
    paths["as_of page"] = [
        f"/v1/stances?as_of={day(rng.randrange(sources))}&limit=50"
        for _ in range(WORKLOADS["as_of page"])
    ]
    # The first 100 articles' stances (articles of 100, one a day): the same 10,000 rows at any
    # size, read as a journalist would ask for them (a source= list takes 50 at most).
    paths["CSV of 10,000 rows"] = [f"/v1/stances.csv?as_of={day(10_000 // STANCES_PER_SOURCE - 1)}"]
    return paths


def built(stances: int, database: str, keep: Path) -> str:
    """The URL of a database of `stances` synthetic stances, built the first time (SQLite: a
    file in `keep`; PostgreSQL: a database named for its size, kept)."""
    if database == "sqlite":
        keep.mkdir(parents=True, exist_ok=True)
        pristine = keep / f"synth-{stances}.db"
        if not pristine.exists():
            partial = keep / f"synth-{stances}.building.db"
            partial.unlink(missing_ok=True)
            fill(f"sqlite:///{partial}", stances)
            partial.rename(pristine)
        return f"sqlite:///{pristine}"
    name = f"briefing_curve_{stances}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    listed = sh(
        "psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"
    )
    if name not in listed.split():
        sh("createdb", "-h", "127.0.0.1", "-U", "postgres", name)
        fill(url, stances)
        sh("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-c", "VACUUM ANALYZE")
    return url


def fill(url: str, stances: int) -> None:
    flask("db", "upgrade", url=url)
    flask("synth", "--stances", str(stances), url=url)


def flask(*arguments: str, url: str) -> float:
    """Run a flask command; the CPU seconds it used."""
    started = os.times()
    sh(str(BIN / "flask"), "--app", "api", *arguments, DATABASE_URL=url)
    ended = os.times()
    return (ended.children_user - started.children_user) + (
        ended.children_system - started.children_system
    )


def working_copy(url: str, database: str, directory: Path) -> str:
    """A copy of the kept database that an import may change (SQLite: the file; PostgreSQL: a
    database made from it as a template)."""
    if database == "sqlite":
        copy = directory / "working.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    name = url.rsplit("/", 1)[1] + "_working"
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", url.rsplit("/", 1)[1], name)
    return url.rsplit("/", 1)[0] + "/" + name


def dated_article(directory: Path, name: str, day: int) -> Path:
    """The seed's article, dated on the synthetic articles' `day` (their first is day 0)."""
    text = ARTICLE.read_text().replace(
        "published_on: 2025-03\n", f"published_on: {FIRST_DAY + timedelta(days=day)}\n"
    )
    shutil.copy(ARTICLE.with_suffix(".txt"), directory / ARTICLE.with_suffix(".txt").name)
    copy = directory / f"{name}.yaml"
    copy.write_text(text)
    return copy


def warm(file: Path) -> None:
    """Read the database file once, as a service that has run a while has it in the operating
    system's cache: at a million stances a random item is otherwise a read from the disk."""
    with file.open("rb") as reading:
        while reading.read(1 << 24):
            pass


def timed(*arguments: str, url: str) -> dict:
    started = time.monotonic()
    cpu = flask(*arguments, url=url)
    return {"seconds": time.monotonic() - started, "cpu_seconds": cpu}


def start_up(url: str) -> dict:
    """What `./dev serve` does once installed, timed: migrate, seed (finding nothing to do),
    gunicorn until it answers."""
    started = time.monotonic()
    flask("db", "upgrade", url=url)
    flask("seed", url=url)
    target = gunicorn("ours", "api:create_app()", url)
    seconds = time.monotonic() - started
    target.stop()
    return {"seconds": seconds}


def measure_size(options, stances: int, directory: Path) -> dict:
    kept = built(stances, options.database, options.keep)
    url = working_copy(kept, options.database, directory)
    flask("db", "upgrade", url=url)  # a database kept from an earlier version of the code
    figures = {"stances": stances, "database": options.database}
    sources = -(-stances // STANCES_PER_SOURCE)
    newest = dated_article(directory, "newest", sources)  # after every synthetic article
    among = dated_article(directory, "among", sources // 2)  # in the middle of them
    figures["import the newest article"] = timed("import", str(newest), url=url)
    figures["retire it"] = timed("retire", "nato-divisions-ukraine", url=url)
    figures["import an article dated among the others"] = timed("import", str(among), url=url)
    figures["start-up"] = start_up(url)
    if options.database == "sqlite":
        warm(Path(url.removeprefix("sqlite:///")))
    else:  # the import dated among the others rewrote every fact's row: vacuum now, or
        # autovacuum does it in the middle of the measurements (and is counted in them)
        name = url.rsplit("/", 1)[1]
        sh("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-c", "VACUUM ANALYZE")
    paths = random_paths(stances)
    uncached = gunicorn("uncached", "api:create_app()", url, RESPONSE_CACHE="0")
    served = gunicorn("served", "api:create_app()", url)
    ceiling = gunicorn("ceiling", "bench.ceiling:create_app()", url)
    try:
        cases = []
        for name, listed in paths.items():
            file = directory / f"{name.replace(' ', '-').replace(',', '')}.txt"
            file.write_text("\n".join(listed) + "\n")
            answers(uncached.base + listed[0])
            cases.append((name, uncached, f"@{file}"))
        cases.append(
            ("a repeated URL (cache hit)", served, "/v1/stances?position=opposes&limit=50")
        )
        cases.append(("constant JSON (ceiling)", ceiling, "/constant"))
        # A long export is asked two at a time, so that one in flight when wrk stops does not
        # weigh on the CPU per answer counted. Each warm-up is let finish before the next: 32
        # exports left in flight (a minute of CPU at a million) were counted in the items'.
        server = options.postmaster
        for name, target, path in cases:
            wrk(target.base + path, 1, connections(name))  # warm up, not counted
            settle(target, 120)
            if server:
                settle_database(url)
        runs: dict[str, list] = {}
        for _ in range(options.rounds):
            for name, target, path in cases:
                before = cpu_seconds(target.process.pid), server and cpu_seconds(server)
                run = wrk(target.base + path, options.seconds, connections(name))
                used = cpu_seconds(target.process.pid) - before[0]
                run["cpu_ms"] = used * 1000 / max(run["requests"], 1)
                if server:  # PostgreSQL's own work for the answers, beside the service's
                    run["database_cpu_ms"] = (
                        (cpu_seconds(server) - before[1]) * 1000 / max(run["requests"], 1)
                    )
                target.peak_pss = max(target.peak_pss, pss_mib(target.process.pid))
                runs.setdefault(name, []).append(run)
                settle(target)
                if server:
                    settle_database(url)
        figures["workloads"] = {name: summarized(each) for name, each in runs.items()}
        figures["peak_pss_mib"] = {t.name: round(t.peak_pss) for t in (uncached, served, ceiling)}
    finally:
        for target in (uncached, served, ceiling):
            target.stop()
        if options.database == "postgresql":
            sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", url.rsplit("/", 1)[1])
    return figures


def connections(workload: str) -> int:
    """How many requests wrk keeps in flight for a workload: two for the long export."""
    return 2 if "CSV" in workload else 32


def summarized(runs: list[dict]) -> dict:
    """The medians of a workload's rounds; on PostgreSQL, `cpu_ms` is the service's and the
    database's CPU per answer together (`service_cpu_ms`, `database_cpu_ms` apart)."""
    found = summarize(runs)
    if "database_cpu_ms" in runs[0]:
        found["service_cpu_ms"] = found["cpu_ms"]
        found["database_cpu_ms"] = statistics.median(run["database_cpu_ms"] for run in runs)
        found["cpu_ms"] = found["service_cpu_ms"] + found["database_cpu_ms"]
    return found


def postmaster() -> int:
    """The PostgreSQL server's first process (its backends are its children): on this machine."""
    folder = sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW data_directory")
    return int((Path(folder) / "postmaster.pid").read_text().split()[0])


def settle_database(url: str, seconds: float = 120) -> None:
    """Wait for PostgreSQL to finish the queries wrk left behind (a request given up by its
    client goes on in its backend), so that they do not weigh on the next measurement."""
    name = url.rsplit("/", 1)[1]
    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
        f"AND datname = '{name}' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", busy) == "0":
                return
        except subprocess.CalledProcessError:  # every connection taken, by the servers' pools
            pass
        time.sleep(0.25)


def answers(url: str) -> None:
    """Preflight: a workload's first URL answers 200, or the run stops saying why."""
    try:
        urllib.request.urlopen(url, timeout=60).read()
    except urllib.error.HTTPError as error:
        sys.exit(f"preflight: {url} answered {error.code}: {error.read().decode()[:500]}")


ONE_OFFS = (
    "import the newest article",
    "retire it",
    "import an article dated among the others",
    "start-up",
)


def report(results: list[dict], output: Path) -> None:
    sizes = [result["stances"] for result in results]
    whose = "the service's and PostgreSQL's" if results[0]["database"] == "postgresql" else ""
    print(f"\n## CPU ms per request by size ({results[0]['database']}) {whose}\n")
    print("| workload | " + " | ".join(f"{size:,}" for size in sizes) + " | last ÷ first |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for name in results[0]["workloads"]:
        cells = [result["workloads"][name]["cpu_ms"] for result in results]
        print(
            f"| {name} | "
            + " | ".join(f"{cell:.2f}" for cell in cells)
            + f" | {cells[-1] / cells[0]:.2f} |"
        )
    for key in ONE_OFFS:
        field = "seconds" if key == "start-up" else "cpu_seconds"
        cells = [result[key][field] for result in results]
        label = f"{key}, {'s' if key == 'start-up' else 'CPU s'}"
        print(f"| {label} | " + " | ".join(f"{cell:.1f}" for cell in cells) + " | |")
    print("\n| size | cache hit ÷ ceiling req/s | ÷ ceiling p99 | peak PSS MiB uncached, served |")
    print("|---|---|---|---|")
    for result in results:
        hit = result["workloads"]["a repeated URL (cache hit)"]
        top = result["workloads"]["constant JSON (ceiling)"]
        pss = result["peak_pss_mib"]
        print(
            f"| {result['stances']:,} | {hit['rate'] / top['rate']:.2f} | "
            f"{hit['p99'] / top['p99']:.2f} | {pss['uncached']}, {pss['served']} |"
        )
    output.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, output.with_suffix(".png"))


def plot(results: list[dict], file: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 5))
    sizes = [result["stances"] for result in results]
    for name in results[0]["workloads"]:
        if "ceiling" in name:
            continue
        axes.plot(sizes, [r["workloads"][name]["cpu_ms"] for r in results], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("stances")
    axes.set_ylabel("server CPU ms per request")
    axes.set_title(
        f"CPU per request by size ({results[0]['database']}; random URLs with the response "
        "cache off, the cache hit as served)",
        fontsize=10,
    )
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(file, dpi=100)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stances", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=ROOT / "bench" / ".databases")
    parser.add_argument("--output", type=Path, default=None)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    output = options.output or ROOT / "bench" / f"curve-{options.database}"
    # Asked before the servers start: their pools may then hold every connection PostgreSQL has.
    options.postmaster = postmaster() if options.database == "postgresql" else None
    results = []
    with tempfile.TemporaryDirectory() as directory:
        for stances in sorted(options.stances):
            results.append(measure_size(options, stances, Path(directory)))
            print(json.dumps(results[-1]), flush=True)
    report(results, output)
    failed = sum(w["errors"] for r in results for w in r["workloads"].values())
    print(json.dumps({"failed requests": failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
