"""What a bundle's content must satisfy beyond its schemas: every quote verbatim in its source,
and our words saying no more than the item's own evidence."""

from api.loading.files import Bundle
from api.store.facts import SourceTexts, place, text_hash
from api.store.rules import actor_names, twin_source, unsaid_by_evidence


def check_source(bundle: Bundle) -> None:
    """A bundle's article is no other source's text, byte for byte."""
    source = bundle.source
    if problem := twin_source(source["id"], text_hash(source["text"])):
        bundle.report("sources", 0, source, f"text: {problem}", "text_file")


def check_quotes(bundle: Bundle) -> None:
    """Every span verbatim in its source: the bundle's own text, or one in the database."""
    texts = SourceTexts({bundle.source["id"]: bundle.source["text"]})
    restated = [(*entry, True) for entry in bundle.restatements()]
    for name, index, data, *is_restated in bundle.entries()[1:] + restated:
        for span_index, span in enumerate(data["evidence"]):
            try:
                place(span, texts, bundle.source["id"])
            except ValueError as error:
                message = f"evidence.{span_index}.quote: {error}"
                field = ("evidence", span_index, "quote")
                bundle.report(name, index, data, message, *field, restated=bool(is_restated))


def check_summaries(bundle: Bundle) -> None:
    """Our words say no more than the item's own evidence (api/store/rules.py), as for every
    write."""
    names = actor_names(
        {
            data["id"]: [data["name"], *data["aliases"], *data["reference_aliases"]]
            for data in bundle.items["actors"]
        }
    )
    for name, index, data in bundle.entries()[1:]:
        quotes = [span["quote"] for span in data["evidence"]]
        for field, message in unsaid_by_evidence(data["id"], data, quotes, names):
            bundle.report(name, index, data, f"{field}: {message}", field)
