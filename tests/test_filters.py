"""Every query parameter does something: it filters (declared with `Filter` on its query schema)
or it is one the views handle themselves. A parameter that did neither would be accepted and
ignored, and a typo'd filter would silently return everything."""

import importlib
import pkgutil

import pytest
from sqlalchemy import inspect as sa_inspect

import schemas
from api.store.models import Change, Evidence, model_of
from api.store.queries import filters_of
from schemas.collections import names
from schemas.queries import QuerySchema

# Handled by the views and the envelope, whatever the collection.
COMMON = {"limit", "cursor", "q", "sort", "pretty", "expand", "facet", "fields"}
# Handled by one view itself: search's `type` chooses the index rows to search; the
# briefing's `per_proposal`, how many stances it shows under each proposal; a retirement's
# `dry_run`, whether it changes anything.
OWN = {
    "SearchQuerySchema": {"type"},
    "BriefingQuerySchema": {"per_proposal"},
    "RetirementQuerySchema": {"dry_run"},
    "DisagreementQuerySchema": {"kind"},
    "StanceMatrixQuerySchema": {"gaps", "actor_kind"},
}
# The model each query schema filters (None: a view that applies its parameters itself — the
# briefing its `source`, search its `type`).
MODELS = {
    "ActorQuerySchema": model_of("actors"),
    "ProposalQuerySchema": model_of("proposals"),
    "StanceQuerySchema": model_of("stances"),
    "StanceMatrixQuerySchema": model_of("stances"),
    "CommitmentQuerySchema": model_of("commitments"),
    "EventQuerySchema": model_of("events"),
    "StatementQuerySchema": model_of("statements"),
    "SourceQuerySchema": model_of("sources"),
    "FactQuerySchema": Evidence,
    "ChangeQuerySchema": Change,
    "SearchQuerySchema": None,
    "BriefingQuerySchema": None,
    "RetirementQuerySchema": None,
    "DisagreementQuerySchema": None,
}


# Where the base query schemas live, which no view uses as they are.
SHARED = ("schemas.queries", "schemas.claims")


def query_schemas() -> list[type]:
    """Every query schema the schemas package defines (each of its modules imported)."""
    for module in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"schemas.{module.name}")
    found, todo = [], [QuerySchema]
    while todo:
        schema = todo.pop()
        todo.extend(schema.__subclasses__())
        if schema.__module__ not in SHARED and schema.__module__.startswith(schemas.__name__):
            found.append(schema)
    return sorted(found, key=lambda schema: schema.__name__)


def test_every_query_schema_is_accounted_for():
    named = {schema.__name__ for schema in query_schemas() if "Item" not in schema.__name__}
    assert named == set(MODELS)


@pytest.mark.parametrize("schema", query_schemas(), ids=lambda schema: schema.__name__)
def test_every_query_parameter_filters_or_is_handled(schema):
    handled = COMMON | OWN.get(schema.__name__, set())
    for name in schema().fields:
        assert name in filters_of(schema) or name in handled, (
            f"{schema.__name__}.{name} neither filters nor is handled by a view"
        )


@pytest.mark.parametrize(
    "schema",
    [s for s in query_schemas() if filters_of(s) and MODELS.get(s.__name__)],
    ids=lambda schema: schema.__name__,
)
def test_every_filter_names_a_column_or_relationship_of_its_model(schema):
    model = MODELS[schema.__name__]
    mapper = sa_inspect(model)
    for parameter, how in filters_of(schema).items():
        attribute = how.column or parameter
        assert attribute in mapper.attrs, f"{schema.__name__}.{parameter}: no {attribute}"
        if how.references:
            assert how.references in names("items")
        if attribute in mapper.relationships:
            related = sa_inspect(mapper.relationships[attribute].mapper.class_)
            assert how.key in related.attrs, f"{schema.__name__}.{parameter}: no {how.key}"


@pytest.mark.parametrize(
    "schema",
    [s for s in query_schemas() if "facet" in s._declared_fields],
    ids=lambda schema: schema.__name__,
)
def test_every_facet_counts_a_column_of_its_model(schema):
    mapper = sa_inspect(MODELS[schema.__name__])
    for name in schema._declared_fields["facet"].inner.validate.choices:
        how = filters_of(schema).get(name)
        assert (how.column or name if how else name) in mapper.columns, f"{schema.__name__}: {name}"
