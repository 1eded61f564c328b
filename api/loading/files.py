"""Bundle files: an article's text and the facts drawn from it, as YAML, read and validated by
the resources' schemas; nothing is written here."""

from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError

from schemas.collections import collection_named, facts
from schemas.items import RestatedSchema
from schemas.problems import flatten, messages_in_words

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


# A bundle's section of items other sources reported first (schemas/items.py RestatedSchema).
RESTATED = "restated"


class SeedError(Exception):
    """A bundle that cannot be loaded; the message names the file, the item and the field."""


class Bundle:
    """One validated bundle: a source and its facts, not yet in the database."""

    def __init__(self, path: Path):
        self.path = path
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise SeedError(f"{path}: cannot read: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("source"), dict):
            raise SeedError(f"{path}: must be a mapping with a 'source' and fact lists")
        unknown = set(document) - {"source", RESTATED, *(section.name for section in facts())}
        if unknown:
            raise SeedError(f"{path}: unknown sections: {', '.join(sorted(unknown))}")
        source = dict(document["source"])
        text_file = source.pop("text_file", None)
        if text_file:
            try:
                source["text"] = (path.parent / text_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise SeedError(f"{path}: source.text_file: cannot read: {error}") from error
        self.source = self.load(collection_named("sources").item, source, "source")
        self.corrections: set[tuple[str, str]] = set()  # items that say `corrects: true`
        self.items = {
            section.name: [
                self.load_fact(section, item, f"{section.name}[{index}]")
                for index, item in enumerate(document.get(section.name) or [])
            ]
            for section in facts()
        }
        restated = document.get(RESTATED) or {}
        if not isinstance(restated, dict) or set(restated) - set(self.items):
            raise SeedError(f"{path}: {RESTATED}: a mapping of fact sections, e.g. 'actors:'")
        self.restated = {
            name: [
                self.load(RestatedSchema, item, f"{RESTATED}.{name}[{index}]")
                for index, item in enumerate(restated.get(name) or [])
            ]
            for name in self.items
        }
        for name, entries in self.restated.items():
            if name != "actors" and any("aliases" in entry for entry in entries):
                raise SeedError(f"{path}: {RESTATED}.{name}: only actors take 'aliases'")

    def load_fact(self, section, data, where: str) -> dict:
        """A fact of the bundle; `corrects: true` marks one that replaces what another
        article said of an item it reported first."""
        if isinstance(data, dict) and "corrects" in data:
            data = dict(data)
            if data.pop("corrects") is not True:
                raise SeedError(f"{self.path}: {where}: corrects: give true, or leave it out")
            self.corrections.add((section.name, data.get("id")))
        return self.load(section.item, data, where)

    def load(self, schema: type[Schema], data, where: str) -> dict:
        item_id = data.get("id") if isinstance(data, dict) else None
        label = f"{where} (id {item_id})" if item_id else where
        try:
            loaded = schema().load(data)
        except ValidationError as error:
            raise SeedError(
                f"{self.path}: {label}: {messages_in_words(flatten(error.messages))}"
            ) from error
        if "id" not in loaded:  # the API derives ids; a bundle names every item
            raise SeedError(f"{self.path}: {label}: id: Missing data for required field.")
        return loaded

    def restatements(self) -> list[tuple[str, int, dict]]:
        """(collection, index, data) of the items of the `restated` section, in loading order."""
        return [
            (name, index, data)
            for name, items in self.restated.items()
            for index, data in enumerate(items)
        ]

    def entries(self) -> list[tuple[str, int, dict]]:
        """(collection, index, data) of the source and every fact, in loading order (each
        collection refers only to those above it: schemas/collections.py)."""
        return [("sources", 0, self.source)] + [
            (name, index, data)
            for name, items in self.items.items()
            for index, data in enumerate(items)
        ]

    def where(self, name: str, index: int, data: dict, restated: bool = False) -> str:
        label = "source" if name == "sources" else f"{name}[{index}]"
        return f"{self.path}: {RESTATED + '.' if restated else ''}{label} (id {data['id']})"


def bundle_paths(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))
