"""Loading bundles — `seed` and `import` — all or nothing, by plan (api/loading/plan.py); none
of them undoes an editor.

- `seed` adds what is missing and leaves every existing item as it is.
- `import` adds what is missing and updates the items nobody has edited since they were loaded;
  an item another source reported first gains this bundle's spans beside the others' (it is
  restated), unless the bundle says it `corrects` what the other said.
- Neither brings back an item an editor deleted, unless `import` brings back its whole source.
- `seed --reset` is the one way to rebuild from the YAML: it deletes everything first.
Every item any of them adds, changes or deletes is recorded in the change feed."""

from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, fields

from api.extensions import db
from api.loading.files import Bundle, SeedError
from api.loading.plan import ALREADY_THERE, IMPORT, RESET, SEED, Rules, plan
from api.search.index import is_empty, reindex
from api.store import chronology, renders
from api.store.commits import end_write, write_transaction
from api.store.facts import (
    SourceTexts,
    apply_evidence,
    apply_fields,
    apply_source,
    as_given,
    is_list,
)
from api.store.feed import (
    LOADERS,
    newest_change_ids,
    record,
)
from api.store.models import Change, Source, Stance, model_of, utcnow
from api.store.rules import infer_status
from schemas.collections import facts, item_schema, items
from schemas.references import Reference


@dataclass
class Report:
    """What one load did to one bundle's items, by path."""

    name: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restated: list[str] = field(default_factory=list)  # spans (and list items) added
    unchanged: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # left alone, and why

    def lines(self) -> list[str]:
        counts = f"{len(self.added)} added, {len(self.updated)} updated"
        if self.restated:
            counts += f", {len(self.restated)} restated (this article's spans added)"
        counts += f", {len(self.unchanged)} unchanged, {len(self.kept)} left alone"
        plain = [path for path, reason in self.kept.items() if reason == ALREADY_THERE]
        lines = [f"{self.name}: {counts}."]
        if plain:
            lines.append(f"  left alone: {len(plain)} {ALREADY_THERE}")
        return lines + [
            f"  left alone {path}: {reason}"
            for path, reason in self.kept.items()
            if reason != ALREADY_THERE
        ]


def apply_plan(bundle: Bundle, actions: dict, report: Report, writer: str) -> list:
    """Write what the plan decided, and record each real change in the feed; the items it
    added or changed."""
    before = {
        key: item_schema(key[0]).dump(db.session.get(model_of(key[0]), key[1]))
        for key, action in actions.items()
        if action in ("update", "restate")
    }
    source = bundle.source
    if ("sources", source["id"]) in actions:
        apply_source(source)
    db.session.flush()
    texts = SourceTexts()
    for section in facts():
        name, model, schema = section.name, model_of(section.name), item_schema(section.name)
        written = [(index, data, False) for index, data in enumerate(bundle.items[name])]
        written += [(index, data, True) for index, data in enumerate(bundle.restated[name])]
        # Scalars first, lists second: items of one collection may name each other.
        for lists in (False, True):
            for index, data, restated in written:
                action = actions.get((name, data["id"]))
                try:
                    with db.session.no_autoflush:
                        if action == "restate":
                            restate_item(model, data, schema, lists, texts, source["id"])
                        elif action:
                            apply_item(model, data, schema, lists, texts, source["id"])
                except ValueError as error:
                    bundle.report(name, index, data, str(error), restated=restated)
                    raise SeedError(bundle.problems) from error
            db.session.flush()
    written = []
    for key, action in actions.items():
        name, item_id = key
        item = db.session.get(model_of(name), item_id)
        if name != "sources":
            db.session.expire(item, ["evidence"])
        new = item_schema(name).dump(item)
        path = f"/v1/{name}/{item_id}"
        if action == "add":
            record("POST", item, None, new, who=writer)
            report.added.append(path)
        elif before[key] == new:
            report.unchanged.append(path)
            continue
        else:
            item.updated_at = utcnow()  # the version moves on, as for a PATCH
            db.session.flush()
            record("PATCH", item, before[key], item_schema(name).dump(item), who=writer)
            (report.restated if action == "restate" else report.updated).append(path)
        written.append(item)
    return written


def apply_item(model, data: dict, schema: Schema, lists: bool, texts, source_id: str) -> None:
    """Add an item, or bring it up to the bundle's data; its spans from other sources stay."""
    item = db.session.get(model, data["id"])
    if item is None:
        item = model(id=data["id"])
        db.session.add(item)
    apply_fields(item, data, schema, lists)
    if lists:
        apply_evidence(
            item, spans_from_elsewhere(item, source_id) + data["evidence"], texts, source_id
        )
        infer_status(item, data, [span["quote"] for span in data["evidence"]])
        if isinstance(item, Stance):
            if "supersedes" not in data:
                db.session.flush()
                chronology.infer_supersedes(item)
            if problem := chronology.supersedes_problem(item):
                raise ValueError(f"supersedes: {problem}")


def restate_item(model, data: dict, schema: Schema, lists: bool, texts, source_id: str) -> None:
    """Add what this article says of an item another reported first: its spans (in place of
    this article's earlier ones) and what its lists name that the item's do not; its other
    fields stay as they are."""
    if not lists:
        return
    item = db.session.get(model, data["id"])
    added = {
        name: merged(list_values(item, name, schema.fields[name]), value)
        for name, value in data.items()
        if name != "evidence" and is_list(schema.fields[name])
    }
    apply_fields(item, added, schema, lists=True)
    apply_evidence(item, spans_from_elsewhere(item, source_id) + data["evidence"], texts, source_id)


def spans_from_elsewhere(item, source_id: str) -> list[dict]:
    """An item's spans from other sources than `source_id`, as a bundle gives spans."""
    spans = getattr(item, "evidence", None) or []
    return [as_given(span) for span in spans if span.source_id != source_id]


def list_values(item, name: str, field) -> list:
    """What a list field of an item holds, as a bundle gives it: values, ids or parts."""
    inner = field.inner
    values = getattr(item, name)
    if isinstance(inner, Reference):
        return [linked.id for linked in values]
    if isinstance(inner, fields.Nested):
        keys = inner.schema.fields
        return [
            {key: getattr(getattr(part, key), "id", getattr(part, key)) for key in keys}
            for part in values
        ]
    return list(values)


def merged(current: list, added: list) -> list:
    return current + [value for value in added if value not in current]


def remove_everything(writer: str) -> None:
    """Delete every source and fact, each recorded as a DELETE; keep tokens and the feed."""
    for kind in reversed(items()):
        model, schema = model_of(kind.name), item_schema(kind.name)
        for item in db.session.scalars(db.select(model).order_by(model.id)):
            record("DELETE", item, schema.dump(item), None, who=writer)
    for table in reversed(db.Model.metadata.sorted_tables):
        if table.name not in ("api_tokens", "data_version", "changes"):
            db.session.execute(table.delete())


class CheckedOnly(Exception):
    """Ends a check's transaction, undoing what it wrote; carries what it would have done."""

    def __init__(self, reports: list[Report]):
        super().__init__("checked only")
        self.reports = reports


def load(paths: list[Path], rules: Rules, reset: bool = False, check: bool = False):
    """Load bundles all or nothing, by `rules`; one report per bundle. With `check`, do it
    all in a transaction that is then rolled back: what it would do, nothing written."""
    bundles = [Bundle(path) for path in paths]
    reports, written = [], []
    try:
        with write_transaction():
            empty = db.session.scalar(db.select(Source.id).limit(1)) is None
            if reset:
                remove_everything(rules.writer)
            for bundle in bundles:
                report = Report(bundle.path.name)
                actions, kept = plan(bundle, rules)
                report.kept = {f"/v1/{name}/{id_}": why for (name, id_), why in kept.items()}
                written += apply_plan(bundle, actions, report, rules.writer)
                reports.append(report)
            if check:
                raise CheckedOnly(reports)
            if reset or (empty and written):  # a whole briefing: index it all, then ANALYZE
                end_write(reindex=True)
            elif written:  # an article into a briefing of any size: what it wrote, and
                end_write(*written)  # what shows it (about 60 facts: not a million)
            else:  # a database older than stored renders, reported dates or its index
                chronology.keep_up(everything=chronology.anything_unplaced())
                renders.store_all(missing_only=True)
                if is_empty():  # emptied by a migration that changed what it holds
                    reindex()
    except CheckedOnly as checked:
        return checked.reports
    return reports


def seed(paths: list[Path], reset: bool = False) -> list[Report]:
    """Add what the bundles hold and the database does not (or rebuild it all, with reset)."""
    return load(paths, RESET if reset else SEED, reset=reset)


def import_bundle(path: Path, check: bool = False) -> Report:
    """Add a bundle's new items and bring its unedited ones up to date (with `check`: say what
    that would do, and write nothing)."""
    return load([path], IMPORT, check=check)[0]


def edited_items() -> list[str]:
    """Paths of the items whose latest change was made through the API, not by a loader."""
    changes = db.session.scalars(
        db.select(Change).where(
            Change.id.in_(newest_change_ids()), Change.token_name.not_in(LOADERS)
        )
    )
    return [f"/v1/{change.resource}/{change.item_id}" for change in changes]
