def test_list_actors_returns_envelope(client):
    response = client.get("/v1/actors")
    assert response.status_code == 200
    assert response.json["meta"]["total"] == 19
