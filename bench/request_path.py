"""How long a request's path through the project's own code is: the modules it passes and the
calls it makes to the project's functions (api/ and schemas/), for a cache-miss read of one
stance and for a PATCH of it, each answered once in-process on the seeded database.

    .venv/bin/python bench/request_path.py [--calls]

A call counts each time a project function is entered from anywhere (a view, a hook, a
library such as flask-smorest or marshmallow); functions defined inside others (decorators'
wrappers) count too. Module-level code, comprehensions and generator resumptions do not. An
entry is a call into a module from outside it (another module, or a library).
"""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECT = (str(ROOT / "api"), str(ROOT / "schemas"))
SKIPPED = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>", "<module>"}


def module_of(filename: str) -> str:
    return str(Path(filename).relative_to(ROOT).with_suffix("")).replace("/", ".")


def trace(app, method: str, path: str, **kwargs) -> tuple[int, Counter]:
    """Answer one request and count the project functions it entered, by module."""
    calls: Counter = Counter()
    entries: Counter = Counter()

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code.co_filename.startswith(PROJECT) and code.co_name not in SKIPPED:
            if code.co_flags & 0x20 and frame.f_lasti >= 0 and frame.f_back is None:
                return  # a generator resumed
            module = module_of(code.co_filename)
            calls[(module, code.co_qualname)] += 1
            caller = frame.f_back.f_code.co_filename if frame.f_back else ""
            if not caller.startswith(PROJECT) or module_of(caller) != module:
                entries[module] += 1

    client = app.test_client()
    sys.setprofile(profile)
    try:
        response = client.open(path, method=method, **kwargs)
    finally:
        sys.setprofile(None)
    return response.status_code, calls, entries


def report(name: str, status: int, calls: Counter, entries: Counter, detail: bool) -> None:
    modules = Counter()
    for (module, _), count in calls.items():
        modules[module] += count
    print(
        f"{name}: {status}, {len(modules)} modules, {sum(calls.values())} calls, "
        f"{sum(entries.values())} of them into a module from outside it"
    )
    for module, count in modules.most_common():
        print(f"  {count:3d}  {module}")
        if detail:
            for (owner, function), times in sorted(calls.items()):
                if owner == module:
                    print(f"         {times:3d}  {function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", action="store_true", help="list each function, too")
    options = parser.parse_args()

    import flask_migrate

    from api import create_app
    from api.extensions import db
    from api.http.auth import create_token

    folder = tempfile.mkdtemp()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/path.db", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        flask_migrate.upgrade()
        from api.loading.bundles import seed
        from api.loading.files import bundle_paths

        seed(bundle_paths())
        token = create_token("path-counter", "editor")
        db.session.commit()
    item = "/v1/stances/italy-opposes-coalition"
    client = app.test_client()
    client.get("/v1/stances?limit=1")  # warm-up: what a first request builds once
    status, calls, entries = trace(app, "GET", item)
    report(f"GET {item} (cache miss)", status, calls, entries, options.calls)
    etag = client.get(item).headers["ETag"]
    status, calls, entries = trace(
        app,
        "PATCH",
        item,
        json={"condition": "Counted."},
        headers={"Authorization": f"Bearer {token}", "If-Match": etag},
    )
    report(f"PATCH {item}", status, calls, entries, options.calls)


if __name__ == "__main__":
    main()
