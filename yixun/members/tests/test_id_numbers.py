"""Resident ID numbers: masked everywhere, revealed only to an officer who says why."""

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.lib import resident_id
from yixun.members.models import Member
from yixun.members.services import roster

# A man born 1 January 1990 in Hubei, and a woman born 15 June 1985 in Henan.
VOLUNTEERS_NUMBER = "42092319900101123" + resident_id.check_character("42092319900101123")
SQUAD_MATES_NUMBER = "41010219850615002" + resident_id.check_character("41010219850615002")
CORRECTED_NUMBER = "42092319900101125" + resident_id.check_character("42092319900101125")
NUMBERS = (VOLUNTEERS_NUMBER, SQUAD_MATES_NUMBER, CORRECTED_NUMBER)
REASON = "核对保险投保名单"


def member_of(user: User) -> Member:
    return Member.objects.get(user=user)


def give_number(user: User, number: str) -> Member:
    member = member_of(user)
    member.set_id_number(resident_id.parse(number))
    member.save()
    return member


@pytest.fixture
def numbered(volunteer, volunteer2, leader, other_volunteer) -> Member:
    """The volunteer and their squad mate have ID numbers; the volunteer's member is returned."""
    give_number(volunteer2, SQUAD_MATES_NUMBER)
    return give_number(volunteer, VOLUNTEERS_NUMBER)


def no_full_number(text: str) -> bool:
    return not any(number in text for number in NUMBERS)


def test_the_masked_form_hides_the_birth_date() -> None:
    parsed = resident_id.parse(VOLUNTEERS_NUMBER)
    assert parsed.masked == "420923********" + VOLUNTEERS_NUMBER[-4:]


# Pages.


def test_an_officer_sees_the_masked_number_on_a_members_page(login, officer, numbered) -> None:
    response = login(officer).get(f"/members/{numbered.pk}/")
    html = response.content.decode()
    assert f'data-testid="id-masked">420923********{VOLUNTEERS_NUMBER[-4:]}<' in html
    assert no_full_number(html)
    assert "19900101" not in html


@pytest.mark.parametrize("who", ["leader", "volunteer", "volunteer2"])
def test_no_one_else_sees_a_number_on_a_members_page(login, request, numbered, who) -> None:
    html = login(request.getfixturevalue(who)).get(f"/members/{numbered.pk}/").content.decode()
    assert 'data-testid="id-masked"' not in html
    assert no_full_number(html)


@pytest.mark.parametrize("who", ["officer", "leader", "volunteer"])
def test_no_roster_page_shows_a_full_number(login, request, numbered, squad, who) -> None:
    client = login(request.getfixturevalue(who))
    for path in ("/members/", f"/squads/{squad.pk}/", "/squads/", "/me/membership/"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert no_full_number(response.content.decode()), path


def test_a_member_sees_their_own_number_masked(login, volunteer, numbered) -> None:
    html = login(volunteer).get("/me/membership/").content.decode()
    assert numbered.id_number_masked in html
    assert no_full_number(html)


# The API.


@pytest.mark.parametrize("who", ["officer", "leader", "volunteer", "volunteer2"])
def test_no_api_answer_carries_a_full_number(login, request, numbered, who) -> None:
    client = login(request.getfixturevalue(who))
    for path in ("/api/v1/members", f"/api/v1/members/{numbered.pk}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_full_number(response.content.decode()), path


def test_the_api_gives_officers_the_masked_number_and_no_one_else(
    login, officer, leader, volunteer, numbered
) -> None:
    path = f"/api/v1/members/{numbered.pk}"
    assert login(officer).get(path).json()["id_number_masked"] == numbered.id_number_masked
    assert login(leader).get(path).json()["id_number_masked"] is None
    assert login(volunteer).get(path).json()["id_number_masked"] is None


# The Excel export.


def export_rows(client: Client) -> list[tuple]:
    response = client.get("/members/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_the_officers_export_has_masked_numbers_only(login, officer, numbered, volunteer2) -> None:
    _header, *body = export_rows(login(officer))
    cells = {str(cell) for row in body for cell in row if cell is not None}
    assert numbered.id_number_masked in cells
    assert member_of(volunteer2).id_number_masked in cells
    assert no_full_number(" ".join(cells))
    by_name = {row[0]: row for row in body}
    assert by_name["张志愿"][2] == numbered.id_number_masked


@pytest.mark.parametrize("who", ["leader", "volunteer"])
def test_no_other_export_has_a_full_number(login, request, numbered, who) -> None:
    _header, *body = export_rows(login(request.getfixturevalue(who)))
    assert no_full_number(" ".join(str(cell) for row in body for cell in row))


def test_a_volunteers_export_does_not_carry_squad_mates_id_numbers(
    login, volunteer, volunteer2, numbered
) -> None:
    # The API gives the masked number to officers only; the export must not give more.
    _header, *body = export_rows(login(volunteer))
    cells = " ".join(str(cell) for row in body for cell in row)
    assert "刘晓燕" in cells
    assert member_of(volunteer2).id_number_masked not in cells


def test_an_officer_exports_full_numbers_only_with_a_reason(login, officer, numbered) -> None:
    client = login(officer)
    refused = client.post("/members/export/", {"reason": ""})
    assert refused.status_code == 302
    response = client.post("/members/export/", {"reason": REASON})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert VOLUNTEERS_NUMBER in {row[2] for row in sheet.iter_rows(values_only=True)}
    # The trail must tell an export of full numbers from a masked one.
    entry = AuditEntry.objects.get(action="members.roster.exported")
    assert entry.data["reason"] == REASON
    assert entry.data["full_id_numbers"] is True


@pytest.mark.parametrize("who", ["leader", "volunteer"])
def test_only_officers_export_full_numbers(login, request, numbered, who) -> None:
    response = login(request.getfixturevalue(who)).post("/members/export/", {"reason": REASON})
    assert response.status_code == 302
    assert no_full_number(response.content.decode(errors="replace"))


# Revealing a number on the page.


def test_an_officer_who_gives_a_reason_sees_the_full_number(login, officer, numbered) -> None:
    response = login(officer).post(f"/members/{numbered.pk}/reveal-id/", {"reason": REASON})
    assert response.status_code == 200
    assert f'data-testid="id-full">{VOLUNTEERS_NUMBER}<' in response.content.decode()
    entry = AuditEntry.objects.get(action="members.member.id_number_viewed")
    assert entry.actor == officer
    assert entry.target_id == str(numbered.pk)
    assert entry.data == {"reason": REASON}


@pytest.mark.parametrize("reason", ["", "   ", "查看"])
def test_without_a_reason_the_number_stays_hidden(login, officer, numbered, reason) -> None:
    client = login(officer)
    response = client.post(f"/members/{numbered.pk}/reveal-id/", {"reason": reason})
    assert response.status_code == 302
    assert response["Location"] == f"/members/{numbered.pk}/"
    assert no_full_number(client.get(response["Location"]).content.decode())
    assert not AuditEntry.objects.filter(action="members.member.id_number_viewed").exists()
    with pytest.raises(roster.MembershipError) as refusal:
        roster.reveal_id_number(member=numbered, actor=officer, reason=reason)
    assert refusal.value.code == "reason_needed"


@pytest.mark.parametrize("who", ["leader", "volunteer", "volunteer2", "police", "moderator"])
def test_only_officers_may_reveal_a_number(login, request, numbered, who) -> None:
    client = login(request.getfixturevalue(who))
    response = client.post(f"/members/{numbered.pk}/reveal-id/", {"reason": REASON})
    assert response.status_code == 403
    assert no_full_number(response.content.decode())
    assert not AuditEntry.objects.filter(action="members.member.id_number_viewed").exists()


def test_the_public_cannot_reveal_a_number(public, numbered) -> None:
    response = public.post(f"/members/{numbered.pk}/reveal-id/", {"reason": REASON})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_number_is_revealed_by_post_only(login, officer, numbered) -> None:
    response = login(officer).get(f"/members/{numbered.pk}/reveal-id/", {"reason": REASON})
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="members.member.id_number_viewed").exists()


def test_revealing_an_unknown_member_is_not_found(login, officer, numbered) -> None:
    assert login(officer).post("/members/999999/reveal-id/", {"reason": REASON}).status_code == 404


# Revealing a number through the API.


def reveal(client: Client, member: Member, reason: str = REASON) -> Any:
    return client.post(
        f"/api/v1/members/{member.pk}/reveal-id-number",
        {"reason": reason},
        content_type="application/json",
    )


def test_an_officer_reveals_a_number_through_the_api(login, officer, numbered) -> None:
    response = reveal(login(officer), numbered)
    assert response.status_code == 200
    assert response.json() == {"id_number": VOLUNTEERS_NUMBER}
    assert AuditEntry.objects.get(action="members.member.id_number_viewed").data == {
        "reason": REASON
    }


def test_the_api_refuses_a_short_reason(login, officer, numbered) -> None:
    response = reveal(login(officer), numbered, "查看")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert no_full_number(response.content.decode())
    blank = reveal(login(officer), numbered, "      ")
    assert blank.status_code == 422  # at least four characters that are not spaces, it says
    assert [error["location"][-1] for error in blank.json()["errors"]] == ["reason"]
    assert not AuditEntry.objects.filter(action="members.member.id_number_viewed").exists()


@pytest.mark.parametrize("who", ["leader", "volunteer", "volunteer2"])
def test_the_api_refuses_a_reveal_to_the_members_own_squad(login, request, numbered, who):
    response = reveal(login(request.getfixturevalue(who)), numbered)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert no_full_number(response.content.decode())


@pytest.mark.parametrize("who", ["other_volunteer", "police", "moderator"])
def test_the_api_does_not_even_show_the_member_to_other_squads_and_roles(
    login, request, numbered, who
) -> None:
    response = reveal(login(request.getfixturevalue(who)), numbered)
    assert response.status_code in (403, 404)
    assert no_full_number(response.content.decode())
    assert not AuditEntry.objects.filter(action="members.member.id_number_viewed").exists()


def test_the_api_refuses_the_public_a_reveal(public, numbered) -> None:
    response = reveal(public, numbered)
    assert response.status_code == 401
    assert no_full_number(response.content.decode())


# The audit trail.


def test_the_audit_trail_never_holds_a_full_number(login, officer, numbered) -> None:
    client = login(officer)
    client.post(f"/members/{numbered.pk}/reveal-id/", {"reason": REASON})
    reveal(client, numbered)
    client.post("/members/export/", {"reason": REASON})
    roster.correct_id_number(member=numbered, raw=CORRECTED_NUMBER, actor=officer)
    entries = list(AuditEntry.objects.all())
    assert {e.action for e in entries} >= {
        "members.member.id_number_viewed",
        "members.roster.exported",
        "members.member.id_number_corrected",
    }
    for entry in entries:
        stored = f"{entry.data} {entry.target_label} {entry.target_id}"
        assert no_full_number(stored), entry.action
        assert "19900101" not in stored, entry.action
    page = client.get("/audit/")
    assert page.status_code == 200
    assert no_full_number(page.content.decode())


def test_a_corrected_number_is_shown_masked(login, officer, numbered) -> None:
    roster.correct_id_number(member=numbered, raw=CORRECTED_NUMBER, actor=officer)
    html = login(officer).get(f"/members/{numbered.pk}/").content.decode()
    assert resident_id.mask(CORRECTED_NUMBER) in html
    assert no_full_number(html)


def test_a_number_held_by_another_member_cannot_be_given_again(officer, numbered, volunteer2):
    with pytest.raises(roster.MembershipConflict) as refusal:
        roster.correct_id_number(member=member_of(volunteer2), raw=VOLUNTEERS_NUMBER, actor=officer)
    assert refusal.value.code == "id_number_taken"
    assert member_of(volunteer2).decrypted_id_number() == SQUAD_MATES_NUMBER
