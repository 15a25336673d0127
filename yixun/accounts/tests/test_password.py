import re

from django.test import Client

from conftest import PASSWORD
from yixun.audit.models import AuditEntry

NEW = "Night-patrol-2026"


def test_change_password_keeps_the_session_and_tells_the_owner(login, volunteer, outbox) -> None:
    client = login(volunteer)
    response = client.post(
        "/accounts/me/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200  # still signed in
    volunteer.refresh_from_db()
    assert volunteer.check_password(NEW)
    assert AuditEntry.objects.filter(
        action="accounts.user.password_changed", target_id=str(volunteer.pk)
    ).exists()
    assert [m.to for m in outbox] == ["+8613900000002"]


def test_a_wrong_old_password_or_weak_new_one_changes_nothing(login, volunteer) -> None:
    client = login(volunteer)
    wrong_old = client.post(
        "/accounts/me/password/",
        {"old_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    weak = client.post(
        "/accounts/me/password/",
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert wrong_old.status_code == weak.status_code == 400
    assert weak.context["form"].errors["new_password2"]
    volunteer.refresh_from_db()
    assert volunteer.check_password(PASSWORD)


def reset_link(outbox) -> str:
    match = re.search(r"http://testserver(/accounts/password-reset/\S+/)", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_reset_by_a_link_sent_to_the_phone(public, volunteer, outbox) -> None:
    response = public.post("/accounts/password-reset/", {"phone": "139 0000 0002"})
    assert response.status_code == 200
    assert len(outbox) == 1 and outbox[0].to == "+8613900000002"
    link = reset_link(outbox)
    assert public.get(link).status_code == 200
    done = public.post(link, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.check_password(NEW)
    assert AuditEntry.objects.filter(action="accounts.user.password_reset").exists()
    # The link worked once; now it is spent.
    assert public.get(link).status_code == 400


def test_the_answer_does_not_tell_whether_a_number_is_registered(public, volunteer, outbox) -> None:
    known = public.post("/accounts/password-reset/", {"phone": "13900000002"})
    unknown = public.post("/accounts/password-reset/", {"phone": "13700000000"})
    assert known.status_code == unknown.status_code == 200
    assert known.templates[0].name == unknown.templates[0].name
    assert len(outbox) == 1


def test_reset_requests_are_throttled_per_number(public, volunteer, outbox) -> None:
    for _ in range(3):
        public.post("/accounts/password-reset/", {"phone": "13900000002"})
    fourth = public.post("/accounts/password-reset/", {"phone": "13900000002"})
    assert fourth.status_code == 400
    assert len(outbox) == 3


def test_a_forged_link_is_refused(public, volunteer) -> None:
    assert public.get("/accounts/password-reset/MQ/forged-token/").status_code == 400
    assert public.get("/accounts/password-reset/!!!/x/").status_code == 400


def test_a_bad_number_on_the_reset_page_is_explained(public) -> None:
    response = Client().post("/accounts/password-reset/", {"phone": "hello"})
    assert response.status_code == 400
    assert response.context["form"].errors["phone"]


def test_reset_texts_count_against_the_daily_ceiling_of_texts_to_a_number(
    settings, public, volunteer, outbox
) -> None:
    """Reset links and sign-in codes are both texts to one phone: together they stop at the
    ceiling, so nobody floods a phone by switching from one to the other."""
    settings.YIXUN_CODES_PER_NUMBER = 2
    public.post("/accounts/password-reset/", {"phone": "13900000002"})
    other = Client(REMOTE_ADDR="10.9.9.9")
    other.post("/accounts/password-reset/", {"phone": "13900000002"})
    third = Client(REMOTE_ADDR="10.9.9.10").post(
        "/accounts/password-reset/", {"phone": "13900000002"}
    )
    assert third.status_code == 400
    assert len(outbox) == 2
