"""The costliest reads anyone may make, against a filtered page: CPU per request, uncached,
in-process, on a synthetic SQLite database (`flask synth`), each URL at the largest sizes its
parameters allow. Prints one line per URL: its CPU ms (median of the runs) and how many times a
median page's that is.

    .venv/bin/python bench/expensive.py [--stances 100000] [--runs 7]

The database is built once per size in a temporary folder and dropped at the end.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [
    "/v1/stances?actor=actor-00007&limit=50",
    "/v1/stances?position=opposes&limit=50",
    "/v1/stances?limit=50",
    "/v1/actors?limit=50",
    "/v1/proposals?limit=50",
]
COMMON_WORDS = ["actor", "proposal", "proposes", "opposes", "statement"]
COSTLY = [
    "/v1/briefing",
    "/v1/briefing?limit=50&per_proposal=10",
    "/v1/stances/matrix",
    "/v1/stances?limit=200",
    "/v1/stances?limit=50&expand=actor,proposal",
    "/v1/stances?limit=50&facet=actor,proposal",  # the most facets at once: 2
    "/v1/search?q=actor&limit=50",
    "/v1/stances?q=actor&limit=50",  # a list filtered by text, most stances matching
    "/v1/stances?q=actor&position=opposes&limit=50&facet=position",
    "/v1/search?q=" + "%20OR%20".join(f"{letter}*" for letter in "abcdefghijklmnop"),
    "/v1/stances?limit=50&q=" + "%20OR%20".join(f"{letter}*" for letter in "abcdefghijklmnop"),
    "/v1/search?q=" + "%20OR%20".join(COMMON_WORDS * 3),  # 15 phrases, each in most facts
    "/v1/stances.csv?limit=200",
    # Articles over time (issue 27): 100 stances a pair, over 1,000 dated articles.
    "/v1/stances/matrix?as_of=2021-06-30",
    "/v1/actors/actor-00007/stances?proposal=proposal-0049&sort=reported_on&limit=50",
    "/v1/stances?as_of=2021-06-30&limit=50",
    "/v1/stances?current=true&limit=50",
    "/v1/briefing?as_of=2021-06-30",
    "/v1/disagreements?limit=20",  # the most: 20
    "/v1/search?q=actor&source=synthetic-00010&limit=50",
    "/v1/changes?item=stance-0000010",
    # The desk, search and spreadsheets (issues 28, 29).
    "/v1/stances?source=synthetic-00999&limit=50",  # one article's hundred stances
    "/v1/stances?source=synthetic-00010&paragraph=99999&limit=50",  # no span is there
    "/v1/stances?source=synthetic-00010&paragraph=1&limit=50",
    "/v1/stances/matrix?gaps=true",
    "/v1/events?sort=date&limit=200",
    "/v1/disagreements?kind=events&limit=20",
    "/v1/search?q=actor%2000007&limit=50",  # an actor's name: its names added to the query
    "/v1/stances.xlsx?limit=100",  # the most a workbook's page holds
]


def cpu_ms(client, path: str, runs: int) -> float:
    """The median CPU milliseconds this process spends answering `path`."""
    spent = []
    for _ in range(runs):
        started = time.process_time()
        response = client.get(path)
        response.get_data()
        spent.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stances", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    import flask_migrate

    from api import create_app
    from api.loading.synth import synthesize

    folder = tempfile.mkdtemp()
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/expensive.db",
        "RATELIMIT_ENABLED": False,
        "RESPONSE_CACHE": False,
    }
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        synthesize(options.stances)
    client = app.test_client()
    for path in PAGES + COSTLY:  # warm: statements compiled, pages in the OS cache
        client.get(path)
    pages = [cpu_ms(client, path, options.runs) for path in PAGES]
    median_page = statistics.median(pages)
    print(f"{options.stances} stances; median page {median_page:.2f} ms CPU")
    for path in COSTLY:
        spent = cpu_ms(client, path, options.runs)
        print(f"  {spent:8.2f} ms  {spent / median_page:5.1f}x  {path}")


if __name__ == "__main__":
    main()
