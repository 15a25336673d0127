import pytest
from django.test import Client

from yixun.accounts import services
from yixun.audit import services as audit


@pytest.fixture
def token(volunteer) -> str:
    return services.issue_token(user=volunteer, name="tests", actor=volunteer)[1]


def bearer(plain: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_a_token_identifies_its_owner(token, volunteer) -> None:
    response = Client().get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "id": volunteer.pk,
        "name": "张志愿",
        "phone": "+8613900000002",
        "language": "zh-hans",
        "roles": ["volunteer"],
    }


def test_the_token_records_when_it_was_last_used(token, volunteer) -> None:
    Client().get("/api/v1/me", **bearer(token))
    assert volunteer.access_tokens.get().last_used_at is not None


@pytest.mark.parametrize(
    "header", ["Bearer yx_unknown", "Bearer ", "Token abc", "Bearer not-even-ours"]
)
def test_an_unknown_token_gets_a_json_answer_with_a_code(db, header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["message"]


def test_the_message_follows_accept_language(db) -> None:
    english = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    chinese = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-CN").json()["message"]
    assert english.startswith("Sign in")
    assert chinese != english


def test_an_inactive_users_token_stops_working(token, volunteer) -> None:
    volunteer.is_active = False
    volunteer.save()
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 401


def test_a_signed_in_page_may_call_the_api_with_its_session(login, volunteer) -> None:
    assert login(volunteer).get("/api/v1/me").json()["name"] == "张志愿"


def test_session_writes_need_the_csrf_token(volunteer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = client.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert volunteer.access_tokens.count() == 0


def test_tokens_through_the_api(token, volunteer) -> None:
    client = Client()
    created = client.post(
        "/api/v1/me/tokens", {"name": "second"}, content_type="application/json", **bearer(token)
    )
    assert created.status_code == 201
    second = created.json()
    assert second["token"].startswith("yx_")
    listed = client.get("/api/v1/me/tokens", **bearer(token)).json()
    assert {item["name"] for item in listed} == {"tests", "second"}
    assert all("token" not in item for item in listed)
    assert client.delete(f"/api/v1/me/tokens/{second['id']}", **bearer(token)).status_code == 204
    assert client.get("/api/v1/me", **bearer(second["token"])).status_code == 401


def test_someone_elses_token_is_not_found(token, other_volunteer) -> None:
    theirs, _plain = services.issue_token(
        user=other_volunteer, name="theirs", actor=other_volunteer
    )
    response = Client().delete(f"/api/v1/me/tokens/{theirs.pk}", **bearer(token))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.is_active


def test_bad_input_gets_every_problem_listed(token) -> None:
    response = Client().post(
        "/api/v1/me/tokens", {"name": ""}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["location"][-1] == "name"


def test_malformed_json_is_a_clear_error_not_a_crash(token) -> None:
    response = Client().post(
        "/api/v1/me/tokens", "{not json", content_type="application/json", **bearer(token)
    )
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("bad_request", "invalid")


def test_an_unknown_endpoint_answers_json(db) -> None:
    response = Client().get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_audit_trail_is_for_officers(login, officer, volunteer) -> None:
    audit.record(
        actor=officer,
        action="accounts.user.role_granted",
        target=volunteer,
        data={"role": "moderator"},
    )
    answer = (
        login(officer).get("/api/v1/audit/entries", {"action": "accounts.user.role_granted"}).json()
    )
    assert answer["count"] == 1
    assert answer["items"][0]["actor_name"] == "周建国"
    refused = login(volunteer).get("/api/v1/audit/entries")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_the_openapi_document_and_offline_docs(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Yixun API"
    assert "/api/v1/me" in schema["paths"]
    docs = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_whoever_the_audit_page_shows_the_trail_to_reads_it_here_too(
    login, public, officer, superuser
) -> None:
    """The permission decides, as on the page: a superuser holds it without the officer role."""
    audit.record(actor=officer, action="accounts.user.role_granted", target=superuser, data={})
    client = login(superuser)
    assert client.get("/audit/").status_code == 200
    answer = client.get("/api/v1/audit/entries", {"action": "accounts.user.role_granted"})
    assert answer.status_code == 200
    assert [entry["actor_name"] for entry in answer.json()["items"]] == ["周建国"]
    assert public.get("/api/v1/audit/entries").status_code == 401
