"""Bundle files: an article's text and the facts drawn from it, as YAML, read and validated by
the resources' schemas; nothing is written here."""

from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError

from schemas.collections import collection_named, facts
from schemas.items import RestatedSchema
from schemas.problems import flatten, messages_in_words

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
# libyaml's parser where PyYAML was built with it (its wheels are): the same nodes and marks as
# the pure-Python one, several times faster on a large bundle; a file it refuses is read again
# by the pure-Python one, whose message quotes the line and points at the fault.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A bundle's section of items other sources reported first (schemas/items.py RestatedSchema).
RESTATED = "restated"


def parse_yaml(text: str, loader_class) -> tuple[yaml.Node | None, object]:
    """A YAML document's nodes (where each item is) and its value."""
    loader = loader_class(text)
    try:
        tree = loader.get_single_node()
        return tree, loader.construct_document(tree) if tree else None
    finally:
        loader.dispose()


class SeedError(Exception):
    """A bundle that cannot be loaded: every problem found, one a line, each naming the file,
    its line where known, the item and the field."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class Bundle:
    """One validated bundle: a source and its facts, not yet in the database."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []  # what is wrong with it, all of it, found as it is read
        self.invalid: set[tuple[str, str]] = set()  # items left out for a problem: still known
        try:
            text = path.read_text(encoding="utf-8")
            try:
                self.tree, document = parse_yaml(text, FAST_LOADER)
            except yaml.YAMLError:
                self.tree, document = parse_yaml(text, yaml.SafeLoader)
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
        self.source = self.load(collection_named("sources").item, source, ("source",))
        if self.source is None:
            raise SeedError(self.problems)
        self.corrections: set[tuple[str, str]] = set()  # items that say `corrects: true`
        self.items = {
            section.name: self.loaded(
                [
                    self.load_fact(section, item, (section.name, index))
                    for index, item in enumerate(document.get(section.name) or [])
                ],
            )
            for section in facts()
        }
        restated = document.get(RESTATED) or {}
        if not isinstance(restated, dict) or set(restated) - set(self.items):
            raise SeedError(f"{path}: {RESTATED}: a mapping of fact sections, e.g. 'actors:'")
        self.restated = {
            name: self.loaded(
                [
                    self.load(RestatedSchema, item, (RESTATED, name, index))
                    for index, item in enumerate(restated.get(name) or [])
                ],
            )
            for name in self.items
        }
        for name, entries in self.restated.items():
            if name != "actors" and any("aliases" in entry for entry in entries):
                raise SeedError(f"{path}: {RESTATED}.{name}: only actors take 'aliases'")

    def load_fact(self, section, data, keys: tuple) -> dict | None:
        """A fact of the bundle; `corrects: true` marks one that replaces what another
        article said of an item it reported first."""
        if isinstance(data, dict) and "corrects" in data:
            data = dict(data)
            if data.pop("corrects") is not True:
                self.problem(keys, data, "corrects: give true, or leave it out")
                return None
            self.corrections.add((section.name, data.get("id")))
        return self.load(section.item, data, keys)

    def load(self, schema: type[Schema], data, keys: tuple) -> dict | None:
        """The item validated by its schema; None, with the problem noted, if it is not."""
        try:
            loaded = schema().load(data)
        except ValidationError as error:
            self.problem(keys, data, messages_in_words(flatten(error.messages)))
            return None
        if "id" not in loaded:  # the API derives ids; a bundle names every item
            self.problem(keys, data, "id: Missing data for required field.")
            return None
        return loaded

    @staticmethod
    def loaded(items: list[dict | None]) -> list[dict]:
        """The valid items of a section (the others' problems are noted)."""
        return [item for item in items if item is not None]

    def problem(self, keys: tuple, data, message: str, *field: str | int) -> None:
        """Note a problem of the item at `keys` (its `field`, if one): all are reported at once."""
        item_id = data.get("id") if isinstance(data, dict) else None
        if item_id and len(keys) > 1:
            self.invalid.add((keys[-2], item_id))
        label = keys[0] if len(keys) == 1 else ".".join(map(str, keys[:-1])) + f"[{keys[-1]}]"
        label += f" (id {item_id})" if item_id else ""
        self.problems.append(f"{self.at(*keys, *field)}: {label}: {message}")

    def at(self, *keys: str | int) -> str:
        """The file and the line of the deepest of these keys it has: 'x.yaml:12'."""
        node, line = self.tree, None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                node = next((value for name, value in node.value if name.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                node = node.value[key] if key < len(node.value) else None
            else:
                node = None
            if node is None:
                break
            line = node.start_mark.line + 1
        return f"{self.path}:{line}" if line else str(self.path)

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

    def keys(self, name: str, index: int, restated: bool = False) -> tuple:
        """Where an item is in the file, as keys: ('source',), ('stances', 3), …"""
        if name == "sources":
            return ("source",)
        return (RESTATED, name, index) if restated else (name, index)

    def report(self, name: str, index: int, data: dict, message: str, *field, restated=False):
        """Note a problem of an item of the bundle, at its `field` (keys below the item)."""
        self.problem(self.keys(name, index, restated), data, message, *field)

    def check(self) -> None:
        """Raise every problem noted, at once, if there is any."""
        if self.problems:
            raise SeedError(self.problems)


def bundle_paths(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))
