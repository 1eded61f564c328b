"""An example Python client of Briefing API, written against the package openapi-python-client
generates from openapi.yaml:

    openapi-python-client generate --path ../../openapi.yaml --config config.yaml
    BRIEFING_URL=http://localhost:8000 BRIEFING_TOKEN=<an editor's token> \\
        PYTHONPATH=briefing-api-client python example.py
"""

import os
import uuid
from http import HTTPStatus

from briefing_api_client import AuthenticatedClient, Client
from briefing_api_client.api.briefing import get_briefing
from briefing_api_client.api.search import search
from briefing_api_client.api.stances import (
    create_stance,
    delete_stance,
    get_stance,
    list_stances,
    update_stance,
)
from briefing_api_client.models import (
    EvidenceInput,
    ListStancesExpandType1Item,
    ListStancesPositionType0,
    Problem,
    Stance,
    StanceInput,
    StanceInputBasis,
    StanceInputCertainty,
    StanceInputPosition,
    StancePatch,
)
from briefing_api_client.types import UNSET

BASE_URL = os.environ.get("BRIEFING_URL", "http://localhost:8000")


def opponents(client: Client) -> list[Stance]:
    """Who opposes what: every page of a filtered collection, following the cursor."""
    stances, cursor = [], UNSET
    while True:
        page = list_stances.sync(
            client=client, position=ListStancesPositionType0.OPPOSES, limit=2, cursor=cursor
        )
        assert not isinstance(page, Problem) and page is not None, page
        stances += page.data
        if not page.meta.next_cursor:
            return stances
        cursor = page.meta.next_cursor


def revalidate(client: Client, stance_id: str) -> None:
    """A copy kept by its ETag is revalidated with If-None-Match: 304 while it is current."""
    first = get_stance.sync_detailed(stance_id, client=client)
    etag = first.headers["ETag"]
    again = get_stance.sync_detailed(stance_id, client=client, if_none_match=etag)
    assert again.status_code == HTTPStatus.NOT_MODIFIED, again.status_code


def expanded(client: Client) -> list[str]:
    """References come compact (id, name, url); expanded, they are the full item."""
    expand = [ListStancesExpandType1Item.ACTOR, ListStancesExpandType1Item.PROPOSAL]
    page = list_stances.sync(client=client, expand=expand, limit=5)
    assert not isinstance(page, Problem) and page is not None, page
    return [f"{stance.actor.name} on {stance.proposal.title}" for stance in page.data]


def briefing_and_search(client: Client) -> None:
    briefing = get_briefing.sync(client=client)
    assert not isinstance(briefing, Problem) and briefing is not None, briefing
    assert briefing.counts.proposals == len(briefing.proposals)
    hits = search.sync(client=client, q="Lancaster House")
    assert not isinstance(hits, Problem) and hits is not None, hits
    assert any(hit.type_ == "events" for hit in hits.data)


def bad_request(client: Client) -> None:
    """A bad request is a problem+json with what to fix."""
    problem = list_stances.sync(client=client, limit=0)
    assert isinstance(problem, Problem) and problem.status == 400, problem
    assert "limit" in problem.errors.additional_properties, problem.errors


def edit(token: str) -> None:
    """An editor's round trip: POST (retried safely with an Idempotency-Key), PATCH with
    If-Match, DELETE with If-Match."""
    client = AuthenticatedClient(base_url=BASE_URL, token=token)
    body = StanceInput(
        actor="italy",
        proposal="macron-30-day-ceasefire",
        position=StanceInputPosition.SKEPTICAL,
        certainty=StanceInputCertainty.LIKELY,
        summary="An example client's draft stance.",
        basis=StanceInputBasis.REPORTED,
        asserted_by="italy",
        evidence=[
            EvidenceInput(
                source="nato-divisions-ukraine",
                quote="others, like Italy, have outright rejected the idea",
            )
        ],
    )
    key = str(uuid.uuid4())
    created = create_stance.sync_detailed(client=client, body=body, idempotency_key=key)
    assert isinstance(created.parsed, Stance), created.content
    retried = create_stance.sync_detailed(client=client, body=body, idempotency_key=key)
    assert isinstance(retried.parsed, Stance) and retried.parsed.id == created.parsed.id

    stance_id, etag = created.parsed.id, created.headers["ETag"]
    patch = StancePatch(summary="An example client's corrected draft.")
    changed = update_stance.sync_detailed(stance_id, client=client, body=patch, if_match=etag)
    assert isinstance(changed.parsed, Stance), changed.content
    stale = delete_stance.sync_detailed(stance_id, client=client, if_match=etag)
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED, stale.status_code
    deleted = delete_stance.sync_detailed(
        stance_id, client=client, if_match=changed.headers["ETag"]
    )
    assert deleted.status_code == HTTPStatus.NO_CONTENT, deleted.status_code


def main() -> None:
    client = Client(base_url=BASE_URL)
    stances = opponents(client)
    revalidate(client, stances[0].id)
    lines = expanded(client)
    briefing_and_search(client)
    bad_request(client)
    edit(os.environ["BRIEFING_TOKEN"])
    print(f"ok: {len(stances)} opposing stances; {lines[0]}")


if __name__ == "__main__":
    main()
