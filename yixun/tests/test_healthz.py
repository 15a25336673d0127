def test_it_answers_200_when_the_database_answers(public, db) -> None:
    response = public.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
