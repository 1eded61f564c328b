"""Fault drill: gunicorn under a bounded load while workers die, the master stops, the database
goes away, editors race, and clients retry POSTs. Prints the figures for the README.

Runs only against 127.0.0.1, on a PostgreSQL database it creates and drops (the database is the
part it stops and starts), for a few seconds per phase, and stops by itself:

    .venv/bin/python bench/faults.py [PHASE ...]      (every phase, about 8 minutes)

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and `pg_ctlcluster` to stop and
start it, as on the project's machines.
"""

import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis as redis_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import free_port, get_json, run_command  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = f"briefing_faults_{os.getpid()}"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
SLOW_CLIENTS = 100
HEADER_TIMEOUT = 5  # the slow-client phase's (30 s by default)
EXPENSIVE_STANCES = 100_000


run = run_command


def flask(*arguments: str) -> str:
    return run(str(BIN / "flask"), "--app", "api", *arguments, DATABASE_URL=DATABASE_URL)


def call(base: str, method: str, path: str, body=None, headers=None, timeout=10):
    """(status, headers, parsed body); status 0 when the connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        try:
            raw = error.read()
        except (OSError, http.client.HTTPException):  # the worker died mid-answer
            return 0, {}, None
        return error.code, dict(error.headers), json.loads(raw) if raw else None
    except (OSError, http.client.HTTPException):
        return 0, {}, None


class Server:
    """gunicorn with the project's config, 2 workers, on a free port of 127.0.0.1."""

    def __init__(self, config: str = "gunicorn.conf.py", **environment):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                config,
                "--bind",
                f"127.0.0.1:{self.port}",
                "api:create_app()",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": DATABASE_URL,
                "WEB_CONCURRENCY": "2",
                "RATELIMIT_ENABLED": "false",
                "LOG_LEVEL": "warning",
                **environment,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        get_json(f"{self.base}/healthz", time.monotonic() + 30)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def wait_for_workers(self, count: int, seconds: float, gone: int | None = None) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            workers = self.workers()
            if len(workers) == count and gone not in workers:
                return time.monotonic() - started
            time.sleep(0.05)
        return float("nan")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def page_read():
    return "GET", "/v1/stances?limit=5", None, None


class Load:
    """Client threads sending `requests()` (method, path, body, headers) for as long as the
    phase lasts; keeps each answer's status and seconds."""

    def __init__(self, base: str, requests=page_read, threads: int = 4):
        self.base, self.requests, self.results = base, requests, []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.loop) for _ in range(threads)]

    def loop(self):
        while not self.stopping.is_set():
            self.results.append(timed(self.base, *self.requests()))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=45)

    def summary(self) -> str:
        ok = sum(1 for status, _ in self.results if 200 <= status < 300)
        return f"{len(self.results)} requests, {ok} ok, {len(self.results) - ok} failed"


def hammer(base: str, requests, seconds: float, threads: int = 4) -> list[tuple[int, float]]:
    """A `Load` of `requests()` held for `seconds`: its answers."""
    with Load(base, requests, threads) as load:
        time.sleep(seconds)
    return load.results


def postgres(action: str) -> None:
    """Stop (fast) or start the machine's PostgreSQL cluster."""
    cluster = run("ls", "/etc/postgresql").split()[0]
    fast = ["-m", "fast"] if action == "stop" else []
    run("pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", action, *fast)


def postgres_back() -> None:
    """Start PostgreSQL again if a phase left it stopped."""
    if subprocess.run(["pg_isready", "-q", *PG]).returncode != 0:
        postgres("start")


def slow_clients(token: str) -> dict:
    """A hundred clients send headers a byte a second and never finish them; everyone else must
    still be answered, and each of them be let go once its headers are HEADER_TIMEOUT late."""
    server = Server(HEADER_TIMEOUT=str(HEADER_TIMEOUT))
    sockets = []
    try:
        opened = time.monotonic()
        for _ in range(SLOW_CLIENTS):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            connection.sendall(b"GET /v1/actors HTTP/1.1\r\nHost: x\r\n")
            sockets.append(connection)
        with Load(server.base) as load:
            for _ in range(HEADER_TIMEOUT + 3):
                time.sleep(1)
                for connection in sockets:
                    try:
                        connection.sendall(b"X")
                    except OSError:  # let go by the server
                        pass
        let_go = 0
        for connection in sockets:
            connection.settimeout(max(0.1, opened + 30 - time.monotonic()))
            try:
                let_go += connection.recv(1) == b""
            except OSError:
                let_go += 1
        latencies = []
        for _ in range(20):
            started = time.monotonic()
            call(server.base, "GET", "/v1/actors/nato")
            latencies.append(time.monotonic() - started)
        return {
            "phase": f"{SLOW_CLIENTS} clients never finishing their headers for "
            f"{HEADER_TIMEOUT + 3} s (2 workers x 16 threads, HEADER_TIMEOUT={HEADER_TIMEOUT})",
            "load": load.summary(),
            "let go": f"{let_go} of {SLOW_CLIENTS}",
            "p50 ms after": round(sorted(latencies)[10] * 1000, 1),
        }
    finally:
        for connection in sockets:
            connection.close()
        server.stop()


def kill_a_worker(token: str) -> dict:
    server = Server()
    try:
        with Load(server.base) as load:
            time.sleep(1.5)
            victim = random.choice(server.workers())
            os.kill(victim, signal.SIGKILL)
            respawn = server.wait_for_workers(2, 10, gone=victim)
            time.sleep(1.5)
        return {
            "phase": "SIGKILL one worker under load",
            "load": load.summary(),
            "respawned in s": round(respawn, 2),
            "workers after": len(server.workers()),
        }
    finally:
        server.stop()


def terminate_master(token: str) -> dict:
    server = Server()
    with ThreadPoolExecutor(8) as pool:
        futures = [
            pool.submit(call, server.base, "GET", "/v1/briefing", None, None, 30) for _ in range(8)
        ]
        time.sleep(0.05)
        server.process.send_signal(signal.SIGTERM)
        statuses = [future.result()[0] for future in futures]
    code = server.process.wait(timeout=30)
    return {
        "phase": "SIGTERM the master with 8 briefings in flight",
        "completed": sum(1 for s in statuses if s == 200),
        "refused (connection)": statuses.count(0),
        "master exit code": code,
    }


def stop_the_database(token: str) -> dict:
    server = Server()
    try:
        before = call(server.base, "GET", "/readyz")[0]
        postgres("stop")
        ready, ready_headers, ready_body = call(server.base, "GET", "/readyz")
        data, data_headers, data_body = call(server.base, "GET", "/v1/stances")
        postgres("start")
        started = time.monotonic()
        while call(server.base, "GET", "/v1/stances")[0] != 200 and time.monotonic() - started < 30:
            time.sleep(0.2)
        return {
            "phase": "stop PostgreSQL, then start it",
            "readyz before": before,
            "readyz while down": ready,
            "readyz Retry-After": ready_headers.get("Retry-After"),
            "stances while down": data,
            "stances problem type": (data_body or {}).get("title"),
            "stances Retry-After": data_headers.get("Retry-After"),
            "recovered in s": round(time.monotonic() - started, 2),
        }
    finally:
        postgres_back()
        server.stop()


# A summary may name no number its evidence does not (api/store/rules.py): the drill's edits
# tell themselves apart by letters.
LETTERS = string.ascii_uppercase


def random_word() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def feed_position() -> str:
    """Now, as the change feed's `since` takes it: what a phase writes comes after."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))


def racing_editors(token: str) -> dict:
    server = Server()
    try:
        path = "/v1/stances/united-kingdom-proposes-coalition"  # no other phase edits it
        since = feed_position()
        etag = call(server.base, "GET", path)[1]["ETag"]
        racers = 10
        barrier = threading.Barrier(racers)

        def race(number):
            barrier.wait(timeout=20)
            return number, call(
                server.base,
                "PATCH",
                path,
                {"summary": f"Racer {LETTERS[number]}."},
                {"Authorization": f"Bearer {token}", "If-Match": etag},
            )[0]

        with ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(race, range(racers)))
        winners = [number for number, status in results if status == 200]
        final = call(server.base, "GET", path)[2]["summary"]
        feed = call(server.base, "GET", f"/v1/changes?resource=stances&since={since}")[2]["data"]
        patches = [
            c for c in feed if c["item_id"] == path.rsplit("/", 1)[1] and c["method"] == "PATCH"
        ]
        return {
            "phase": f"{racers} editors PATCH one stance with the same ETag",
            "200": len(winners),
            "412": sum(1 for _, s in results if s == 412),
            "other": sum(1 for _, s in results if s not in (200, 412)),
            "data is the winner's": final == f"Racer {LETTERS[winners[0]]}." if winners else False,
            "PATCHes in change feed": len(patches),
        }
    finally:
        server.stop()


def retried_posts(token: str) -> dict:
    server = Server()
    posts, attempts, stopping = 20, [], threading.Event()
    since = feed_position()

    def killer():
        while not stopping.is_set():
            time.sleep(random.uniform(0.05, 0.3))
            workers = server.workers()
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)

    def post(number):
        key = f"drill-{uuid.uuid4().hex}"
        body = {
            "id": f"drill-{number}",
            "actor": "italy",
            "proposal": "coalition-of-the-willing",
            "position": "opposes",
            "certainty": "stated",
            "summary": f"Drill {LETTERS[number]}.",
            "basis": "article",
            "evidence": [{"source": "nato-divisions-ukraine", "quote": "like Italy"}],
        }
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        for attempt in range(1, 40):
            status = call(server.base, "POST", "/v1/stances", body, headers)[0]
            if status == 201:
                attempts.append(attempt)
                return
            time.sleep(0.2)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(post, range(posts)))
    finally:
        stopping.set()
        thread.join()
    server.wait_for_workers(2, 10)
    try:
        stances = call(server.base, "GET", "/v1/stances?limit=200")[2]["data"]
        feed = call(server.base, "GET", f"/v1/changes?resource=stances&since={since}&limit=200")
        feed = feed[2]["data"]
        created = [s for s in stances if s["id"].startswith("drill-")]
        return {
            "phase": f"{posts} POSTs retried with Idempotency-Key while workers are killed",
            "acknowledged": len(attempts),
            "retries needed": sum(attempts) - len(attempts),
            "stances created": len(created),
            "POSTs in change feed": sum(1 for c in feed if c["item_id"].startswith("drill-")),
        }
    finally:
        server.stop()


def statuses(results: list[tuple[int, float]]) -> dict:
    """How many answers of each status, and the slowest answer's seconds."""
    counts: dict[str, int] = {}
    for status, _ in results:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return {"statuses": counts, "slowest s": round(max((s for _, s in results), default=0), 2)}


def percentiles(results: list[tuple[int, float]]) -> list[float]:
    """The median and 95th percentile milliseconds of the 200s."""
    times = sorted(seconds for status, seconds in results if status == 200) or [float("nan")]
    return [round(times[int(len(times) * share)] * 1000, 1) for share in (0.5, 0.95)]


def timed(base: str, method: str, path: str, body=None, headers=None, timeout=30):
    started = time.monotonic()
    status = call(base, method, path, body, headers, timeout)[0]
    return status, time.monotonic() - started


def locked_table(token: str) -> dict:
    """An ALTER TABLE's ACCESS EXCLUSIVE lock on `stances` waits behind an open reader for 8 s,
    so every new lock on the table queues behind it: reads of stances must answer 503 within
    the lock timeout (3 s), and /healthz stay quick."""
    server = Server()
    url = DATABASE_URL.replace("postgresql+psycopg", "postgresql")
    reader, alter = psycopg.connect(url), psycopg.connect(url)
    try:
        reader.execute("SELECT 1 FROM stances LIMIT 1")  # a transaction left open
        waiting = threading.Thread(
            target=lambda: (
                alter.execute("LOCK TABLE stances IN ACCESS EXCLUSIVE MODE"),
                alter.commit(),
            )
        )
        waiting.start()
        time.sleep(0.3)
        reads = []
        with ThreadPoolExecutor(2) as pool:
            health = pool.submit(hammer, server.base, lambda: ("GET", "/healthz", None, None), 8, 2)
            pages = pool.submit(
                hammer,
                server.base,
                lambda: ("GET", f"/v1/stances?limit={random.randint(1, 200)}", None, None),
                8,
            )
            reads, checks = pages.result(), health.result()
        reader.commit()
        waiting.join(timeout=10)
        after = timed(server.base, "GET", "/v1/stances?limit=7")
        return {
            "phase": "ACCESS EXCLUSIVE on stances queued behind an open reader for 8 s",
            "stance reads": statuses(reads),
            "healthz": statuses(checks),
            "after the lock": after[0],
        }
    finally:
        reader.close()
        alter.close()
        server.stop()


def database_stops_mid_write(token: str) -> dict:
    """PostgreSQL stops (fast) under PATCHes and reads: every answer a 200 or a 503, none a
    500, and writes take again once it is back."""
    server = Server()
    headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
    paths = ["/v1/stances/italy-opposes-coalition", "/v1/stances/france-supports-coalition"]

    def requests():
        if random.random() < 0.5:
            body = {"summary": f"Edited {random_word()}."}
            return "PATCH", random.choice(paths), body, headers
        return "GET", f"/v1/stances?limit={random.randint(1, 200)}", None, None

    try:
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(hammer, server.base, requests, 6)
            time.sleep(1.5)
            postgres("stop")
            time.sleep(2)
            postgres("start")
            results = load.result()
        started = time.monotonic()
        while time.monotonic() - started < 30:
            if timed(server.base, "PATCH", paths[0], {"summary": "Back."}, headers)[0] == 200:
                break
            time.sleep(0.2)
        return {
            "phase": "PostgreSQL stopped for 2 s under PATCHes and reads",
            **statuses(results),
            "a PATCH took again in s": round(time.monotonic() - started, 2),
        }
    finally:
        postgres_back()
        server.stop()


@contextmanager
def limited_role(connections: int):
    """A database role that may hold `connections` connections (CONNECTION LIMIT; superusers
    have none): the service's DATABASE_URL as that role."""
    role = "briefing_drill"
    psql = ["psql", *PG, "-d", DATABASE, "-qc"]
    run(*psql, f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {connections}")
    run(*psql, f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
    run(*psql, f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    try:
        yield DATABASE_URL.replace("postgres@", f"{role}@")
    finally:
        run(*psql, f"DROP OWNED BY {role}")
        run(*psql, f"DROP ROLE {role}")


def uncached_page():
    return "GET", f"/v1/stances?limit={random.randint(1, 200)}", None, None


def connection_limit(token: str) -> dict:
    """The service's database role may hold 8 connections, fewer than two workers' pools want
    under 32 concurrent uncached reads: what cannot connect must answer 503 within the pool's
    timeout, never a 500, and the service serve again once the load is gone."""
    with limited_role(8) as url:
        server = Server(DATABASE_URL=url, RESPONSE_CACHE="false")
        try:
            results = hammer(server.base, uncached_page, 6, threads=32)
            time.sleep(1)
            return {
                "phase": "a role allowed 8 connections, 32 concurrent uncached reads for 6 s",
                **statuses(results),
                "after": timed(server.base, "GET", "/v1/stances?limit=9")[0],
            }
        finally:
            server.stop()


def two_instances_in_a_budget(token: str) -> dict:
    """Two instances share a role allowed 20 connections, each with DATABASE_CONNECTIONS=10
    (2 workers): 32 concurrent uncached reads on each for 6 s are served within the budget,
    and 32 s after the load a third instance finds connections free."""
    with limited_role(20) as url:
        one, two = (
            Server(DATABASE_URL=url, RESPONSE_CACHE="false", DATABASE_CONNECTIONS="10")
            for _ in range(2)
        )
        try:
            with ThreadPoolExecutor(2) as pool:
                loads = [pool.submit(hammer, s.base, uncached_page, 6, 32) for s in (one, two)]
                results = [answer for load in loads for answer in load.result()]
            time.sleep(32)
            third = Server(DATABASE_URL=url, RESPONSE_CACHE="false", DATABASE_CONNECTIONS="10")
            try:
                after = [timed(third.base, *uncached_page())[0] for _ in range(20)]
            finally:
                third.stop()
            return {
                "phase": "a role allowed 20 connections; two instances of DATABASE_CONNECTIONS=10 "
                "under 32 concurrent uncached reads each for 6 s, then 32 s idle, then a third",
                **statuses(results),
                "the third instance, 20 reads": statuses([(status, 0) for status in after]),
            }
        finally:
            one.stop()
            two.stop()


def sqlite_drill_database(folder: str) -> tuple[str, dict]:
    """A seeded SQLite database in `folder`: its URL, and an editor's headers for a PATCH."""
    url = f"sqlite:///{folder}/drill.db"
    for step in (("db", "upgrade"), ("seed",)):
        run(str(BIN / "flask"), "--app", "api", *step, DATABASE_URL=url)
    editor = run(
        *(str(BIN / "flask"), "--app", "api", "tokens", "create"),
        *("--name", "drill-sqlite", "--role", "editor"),
        DATABASE_URL=url,
    )
    return url, {"Authorization": f"Bearer {editor}", "If-Match": "*"}


def hung_sqlite_writer(token: str) -> dict:
    """On SQLite, another process holds the write lock for 12 s (a worker stuck inside a
    write): each write waits SQLite's busy timeout (5 s), then answers 503 with Retry-After;
    reads go on (WAL); writes take again once the lock is let go."""
    with tempfile.TemporaryDirectory() as folder:
        url, headers = sqlite_drill_database(folder)
        path = "/v1/stances/italy-opposes-coalition"
        server = Server(DATABASE_URL=url)
        holder = sqlite3.connect(f"{folder}/drill.db", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            with ThreadPoolExecutor(2) as pool:
                writes = pool.submit(
                    hammer,
                    server.base,
                    lambda: ("PATCH", path, {"summary": "Held."}, headers),
                    12,
                    2,
                )
                reads = pool.submit(hammer, server.base, anyone_reading, 12, 2)
                time.sleep(12)
                holder.execute("ROLLBACK")
                written, read = writes.result(), reads.result()
            after = timed(server.base, "PATCH", path, {"summary": "Free."}, headers)
            return {
                "phase": "SQLite: another process holds the write lock for 12 s",
                "writes": statuses(written),
                "reads": statuses(read),
                "a write after": after[0],
            }
        finally:
            holder.close()
            server.stop()


def stalled_sqlite_write(token: str) -> dict:
    """On SQLite, a worker's write stops while it holds the write lock (bench/stalled_write.py):
    first a thread hung inside it, then the whole worker frozen (SIGSTOP). Writes wait at most
    5 s each (503 + Retry-After); the worker is ended — by its own watch after 10 s without a
    move, by gunicorn's 10 s timeout when frozen — and writes take again. Reads go on."""
    with tempfile.TemporaryDirectory() as folder:
        url, headers = sqlite_drill_database(folder)
        path = "/v1/stances/italy-opposes-coalition"
        pid_file = Path(folder) / "stalled.pid"
        server = Server(
            "bench/stalled_write.py", DATABASE_URL=url, PROXY_HOPS="1", STALL_PID_FILE=str(pid_file)
        )
        figures = {
            "phase": "SQLite: a write stops holding the write lock (a hung thread, then "
            "a frozen worker), PATCHes and reads meanwhile"
        }
        try:
            for freeze in (False, True):
                pid_file.unlink(missing_ok=True)
                with ThreadPoolExecutor(1) as pool:
                    stalled = pool.submit(
                        timed, server.base, "PATCH", path, {"summary": "Stall."}, headers, 70
                    )
                    while not (pid_file.exists() and pid_file.read_text().strip()):
                        time.sleep(0.01)  # the stalled worker has written its pid
                    started = time.monotonic()
                    if freeze:
                        os.kill(int(pid_file.read_text()), signal.SIGSTOP)
                    with Load(server.base, anyone_reading, 2) as reads:
                        writes, back = [], None
                        while back is None and time.monotonic() - started < 40:
                            status, seconds = timed(
                                server.base, "PATCH", path, {"summary": "Moving."}, headers
                            )
                            writes.append((status, seconds))
                            if status == 200:
                                back = time.monotonic() - started
                    figures["frozen worker" if freeze else "hung thread"] = {
                        "writes": statuses(writes),
                        "a write took again after s": round(back, 2) if back else None,
                        "the stalled PATCH": stalled.result()[0],
                        "reads": statuses(reads.results),
                    }
            return figures
        finally:
            server.stop()


def anyone_reading():
    """A read of a random page by a random client (its own rate-limit count, behind PROXY_HOPS)."""
    client = {"X-Forwarded-For": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.1"}
    return "GET", f"/v1/stances?limit={random.randint(1, 200)}", None, client


def connections_at_peak(token: str) -> dict:
    """The PostgreSQL connections one instance (2 workers, DATABASE_CONNECTIONS=40) opens at
    most, under 48 concurrent uncached reads and writes, and holds once idle for 32 s (the
    server closes what has been idle 30 s)."""
    server = Server(RESPONSE_CACHE="false", DATABASE_CONNECTIONS="40")
    headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
    peak, stopping = [0], threading.Event()

    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"

    def sample():
        url = DATABASE_URL.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url, autocommit=True) as watch:  # a fresh snapshot each time
            while not stopping.is_set():
                peak[0] = max(peak[0], watch.execute(query, (DATABASE,)).fetchone()[0])
                time.sleep(0.05)

    def requests():
        if random.random() < 0.2:
            body = {"summary": f"Edited {random_word()}."}
            return "PATCH", "/v1/stances/italy-opposes-coalition", body, headers
        return anyone_reading()

    watcher = threading.Thread(target=sample)
    watcher.start()
    try:
        results = hammer(server.base, requests, 6, threads=48)
        stopping.set()
        watcher.join(timeout=10)
        time.sleep(32)
        url = DATABASE_URL.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url, autocommit=True) as watch:
            idle = watch.execute(query, (DATABASE,)).fetchone()[0]
        after = timed(server.base, "GET", "/v1/stances?limit=11")[0]
    finally:
        stopping.set()
        server.stop()
    return {
        "phase": "48 concurrent uncached reads and writes for 6 s, one instance of 2 workers "
        "(DATABASE_CONNECTIONS=40), then 32 s idle",
        **statuses(results),
        "peak connections": peak[0],
        "connections after 32 s idle": idle,
        "a read after": after,
    }


def frozen_redis(token: str) -> dict:
    """Redis (the shared cache and rate-limit counters) frozen by SIGSTOP for 5 s under reads:
    each request waits at most Redis's socket timeout (0.5 s), then is served without it."""
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        server = Server(
            REDIS_URL=f"redis://127.0.0.1:{port}/0", RATELIMIT_ENABLED="true", PROXY_HOPS="1"
        )
        try:
            with ThreadPoolExecutor(1) as pool:
                load = pool.submit(hammer, server.base, anyone_reading, 9)
                time.sleep(2)
                redis.send_signal(signal.SIGSTOP)
                time.sleep(5)
                redis.send_signal(signal.SIGCONT)
                results = load.result()
            return {"phase": "Redis frozen (SIGSTOP) for 5 s under reads", **statuses(results)}
        finally:
            server.stop()
    finally:
        redis.send_signal(signal.SIGCONT)
        redis.kill()
        redis.wait(timeout=10)


def emptied_redis(token: str) -> dict:
    """Redis killed under reads and started again empty 20 s later: the shared rate-limit counts
    are back in Redis within the workers' 2 s recheck (Flask-Limiter's own backoff took 14–32 s),
    and no request fails meanwhile."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    url = f"redis://127.0.0.1:{port}/0"
    server = Server(REDIS_URL=url, RATELIMIT_ENABLED="true", PROXY_HOPS="1")
    try:
        with Load(server.base, anyone_reading, 4) as load:
            time.sleep(2)
            redis.kill()
            redis.wait(timeout=10)
            time.sleep(20)
            redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            started, counted = time.monotonic(), None
            watch = redis_client.Redis.from_url(url, socket_timeout=0.5)
            while counted is None and time.monotonic() - started < 40:
                try:
                    if any(True for _ in watch.scan_iter("LIMITS*", count=100)):
                        counted = round(time.monotonic() - started, 2)
                except redis_client.exceptions.ConnectionError:
                    pass  # not listening yet
                time.sleep(0.05)
            time.sleep(1)
        return {
            "phase": "Redis killed under reads, started again empty 20 s later",
            **statuses(load.results),
            "s until the limits count in Redis again": counted,
        }
    finally:
        server.stop()
        redis.kill()
        redis.wait(timeout=10)


PREFIXES = [f"{letter}*" for letter in "abcdefghijklmnopqrstuvwxyz"]


def expensive_reads(token: str, stances: int = EXPENSIVE_STANCES) -> dict:
    """At 100,000 stances, 8 clients without a token ask for the costliest reads (the largest
    briefing, matrix and search, a list filtered by a common word, 16 prefixes OR'd) as fast
    as they can while 2 others read pages: the others must still be served quickly, and the
    expensive ones be limited (each counts 5 requests)."""
    database = f"{DATABASE}_big"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    run("createdb", *PG, database)
    try:
        run(str(BIN / "flask"), "--app", "api", "db", "upgrade", DATABASE_URL=url)
        run(
            str(BIN / "flask"), "--app", "api", "synth", "--stances", str(stances), DATABASE_URL=url
        )
        server = Server(DATABASE_URL=url, RATELIMIT_ENABLED="true", PROXY_HOPS="1")
        costly = [  # sizes drawn at random, so that each is rendered anew, not a cache hit
            lambda: f"/v1/briefing?limit={random.randint(25, 50)}&per_proposal=10",
            lambda: f"/v1/stances/matrix?limit={random.randint(10, 20)}",
            lambda: f"/v1/search?q=actor&limit={random.randint(25, 50)}",
            lambda: f"/v1/stances?q=actor&limit={random.randint(25, 50)}",
            lambda: "/v1/search?q=" + "%20OR%20".join(random.sample(PREFIXES, 16)),
        ]
        try:

            def attacker():
                client = {"X-Forwarded-For": f"198.51.100.{random.randint(1, 8)}"}
                return "GET", random.choice(costly)(), None, client

            def reader():
                # 20 readers' addresses: each stays well under its own 600 reads a minute
                client = {"X-Forwarded-For": f"203.0.113.{random.randint(1, 20)}"}
                path = f"/v1/stances?actor=actor-{random.randint(0, 499):05d}&limit=50"
                return "GET", path, None, client

            quiet = hammer(server.base, reader, 5, 2)
            with ThreadPoolExecutor(2) as pool:
                attacks = pool.submit(hammer, server.base, attacker, 20, 8)
                reads = pool.submit(hammer, server.base, reader, 20, 2)
                attacked, served = attacks.result(), reads.result()
            return {
                "phase": f"{stances} stances: 8 clients without a token on the costliest reads "
                "for 20 s, 2 threads of other clients reading pages",
                "costly": statuses(attacked),
                "pages": statuses(served),
                "pages p50/p95 ms": percentiles(served),
                "pages p50/p95 ms before, alone": percentiles(quiet),
            }
        finally:
            server.stop()
    finally:
        run("dropdb", *PG, "--if-exists", "--force", database)


PHASES = (
    slow_clients,
    kill_a_worker,
    terminate_master,
    stop_the_database,
    database_stops_mid_write,
    locked_table,
    connection_limit,
    two_instances_in_a_budget,
    connections_at_peak,
    frozen_redis,
    emptied_redis,
    hung_sqlite_writer,
    stalled_sqlite_write,
    racing_editors,
    retried_posts,
    expensive_reads,
)


def main():
    chosen = sys.argv[1:] or [phase.__name__ for phase in PHASES]
    run("createdb", *PG, DATABASE)
    try:
        flask("db", "upgrade")
        flask("seed")
        token = flask("tokens", "create", "--name", "drill", "--role", "editor")
        deadline = time.monotonic() + 600
        for phase in (phase for phase in PHASES if phase.__name__ in chosen):
            if time.monotonic() > deadline:
                print(json.dumps({"phase": phase.__name__, "skipped": "time is up"}))
                continue
            print(json.dumps(phase(token), ensure_ascii=False), flush=True)
    finally:
        run("dropdb", *PG, "--if-exists", "--force", DATABASE)


if __name__ == "__main__":
    main()
