"""The words a journalist types: British spellings of our enum values, …"""

from tests.helpers import assert_problem


def test_british_spellings_of_values_are_the_same_values(client):
    sceptical = client.get("/v1/stances?position=sceptical&limit=200").json
    skeptical = client.get("/v1/stances?position=skeptical&limit=200").json
    assert sceptical["meta"]["total"] == skeptical["meta"]["total"] > 0
    assert sceptical["data"] == skeptical["data"]
    defence = client.get("/v1/commitments?metric=defence_spending_pct_gdp").json
    assert (
        defence["meta"]["total"]
        == client.get("/v1/commitments?metric=defense_spending_pct_gdp").json["meta"]["total"]
        > 0
    )
    assert client.get("/v1/actors?kind=organisation").json["meta"]["total"] > 0
    assert_problem(client.get("/v1/stances?position=scepticism"), 400)


def test_a_write_takes_the_british_spelling_and_stores_the_value(client, editor, restore):
    body = {
        "actor": "italy",
        "proposal": "macron-30-day-ceasefire",
        "position": "sceptical",
        "certainty": "stated",
        "summary": "Has outright rejected the idea.",
        "basis": "reported",
        "asserted_by": "italy",
        "evidence": [
            {
                "source": "nato-divisions-ukraine",
                "quote": "others, like Italy, have outright rejected the idea",
            }
        ],
    }
    created = client.post("/v1/stances", json=body, headers=editor)
    assert created.status_code == 201, created.json
    assert created.json["position"] == "skeptical"


def test_a_leaders_name_that_finds_nothing_names_what_he_leads(client):
    page = client.get("/v1/stances?actor=starmer").json
    assert page["data"] == [] and page["meta"]["total"] == 0
    assert page["meta"]["hints"] == [
        "Keir Starmer is Prime Minister of United Kingdom, whose facts "
        "actor=united-kingdom asks for."
    ]
    asked = client.get("/v1/stances?actor=united-kingdom").json
    assert asked["meta"]["total"] > 0 and "hints" not in asked["meta"]


def test_the_matrix_lists_who_takes_no_stance(client):
    coalition = "proposal=coalition-of-the-willing&actor_kind=country"
    with_stance = client.get(f"/v1/stances/matrix?{coalition}").json
    every = client.get(f"/v1/stances/matrix?{coalition}&gaps=true").json
    countries = client.get("/v1/actors?kind=country&limit=200").json["meta"]["total"]
    assert every["meta"]["total"] == countries > with_stance["meta"]["total"]
    assert [column["id"] for column in every["columns"]] == ["coalition-of-the-willing"]
    cells = zip(every["rows"], every["cells"], strict=True)
    silent = [row["id"] for row, (cell,) in cells if cell is None]
    assert silent and "italy" not in silent and "united-kingdom" not in silent
    rows = client.get(f"/v1/stances/matrix.csv?{coalition}&gaps=true").text.splitlines()
    assert len(rows) == countries + 1  # a header, then every country, silent ones too


def hits(client, query: str, **more) -> list[dict]:
    params = "&".join(f"{key}={value}" for key, value in more.items())
    response = client.get(f"/v1/search?q={query}&limit=50" + (f"&{params}" if params else ""))
    assert response.status_code == 200, response.json
    return response.json["data"]


def test_united_states_finds_the_united_states_first_and_no_stated_certainty(client):
    found = hits(client, "United States")
    assert (found[0]["type"], found[0]["id"]) == ("actors", "united-states")
    # A stance's certainty `stated` is a value, not a word: no hit matched by it alone.
    for hit in found:
        assert "<mark>" in hit["snippet"] or hit["via"], hit
        assert hit["field"] != "certainty"


def test_dotted_abbreviations_possessives_and_aliases_are_the_words_typed(client):
    coalition = "proposals", "coalition-of-the-willing"
    us = [(hit["type"], hit["id"]) for hit in hits(client, "US involvement")]
    assert coalition in us
    (hit,) = [
        hit for hit in hits(client, "US involvement") if (hit["type"], hit["id"]) == coalition
    ]
    assert "<mark>U.S.</mark> <mark>involvement</mark>" in hit["snippet"]
    possessive = [(hit["type"], hit["id"]) for hit in hits(client, "Starmer's coalition")]
    assert coalition in possessive
    # Zelenskyy is a reference alias: it finds the facts that name Zelensky, his statements.
    statements = hits(client, "Zelenskyy", type="statements")
    assert statements and all(
        "<mark>Zelensky" in hit["snippet"] or hit["via"] for hit in statements
    )
    assert hits(client, "Zelensky", type="statements") == statements


QUESTIONS = [
    "coalition",
    "ceasefire",
    "Macron",
    "Trump",
    "UK",
    "Italy",
    "Hungary",
    "Lancaster House",
    "defence spending",
    "troops",
    "NATO",
    "Russia",
    "peace",
    "skeptical",
    "European countries",
    "assurance*",
    "Starmer",
    "Rutte",
    "security",
    "Baltic",
]


def test_every_hit_shows_what_matched(client):
    assert len(QUESTIONS) == 20
    for question in QUESTIONS:
        found = hits(client, question)
        assert found, question
        for hit in found:
            assert "<mark>" in hit["snippet"] or hit["via"], (question, hit)
            if hit["via"]:
                assert "<mark>" in hit["snippet"] and hit["via"]["url"].startswith("/v1/")
