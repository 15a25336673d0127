from django.core.management import call_command
from django.test import Client

from yixun.accounts.models import AccessToken
from yixun.audit.models import AuditEntry


def test_a_token_is_shown_once_and_stored_only_as_a_digest(login, volunteer) -> None:
    client = login(volunteer)
    response = client.post("/accounts/me/tokens/", {"name": "roster script"})
    assert response.status_code == 200
    plain = response.context["plain"]
    assert plain.startswith("yx_") and len(plain) > 40
    token = AccessToken.objects.get(user=volunteer)
    assert plain not in (token.token_digest, token.hint)
    assert plain not in client.get("/accounts/me/").content.decode()
    assert AuditEntry.objects.filter(action="accounts.access_token.issued").exists()
    assert plain not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_a_token_without_a_name_is_explained(login, volunteer) -> None:
    response = login(volunteer).post("/accounts/me/tokens/", {"name": ""})
    assert response.status_code == 400
    assert response.context["token_form"].errors["name"]
    assert not AccessToken.objects.exists()


def test_revoking_stops_the_token(login, volunteer) -> None:
    client = login(volunteer)
    plain = client.post("/accounts/me/tokens/", {"name": "x"}).context["plain"]
    token = AccessToken.objects.get()
    assert client.post(f"/accounts/me/tokens/{token.pk}/revoke/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_nobody_else_can_revoke_a_token(login, volunteer, officer, other_volunteer) -> None:
    login(volunteer).post("/accounts/me/tokens/", {"name": "mine"})
    token = AccessToken.objects.get()
    for other in (officer, other_volunteer):
        assert login(other).post(f"/accounts/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_the_command_issues_a_working_token(client, police, capsys) -> None:
    call_command("issue_token", "139 0000 0006", "--name", "station script")
    plain = capsys.readouterr().out.strip()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 200
    assert response.json()["name"] == "陈警官"
