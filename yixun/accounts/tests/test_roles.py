import pytest

from yixun.accounts import services
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry


def test_a_person_can_hold_several_roles(moderator) -> None:
    assert moderator.roles == {Role.VOLUNTEER, Role.MODERATOR}


def test_rights_follow_the_roles(officer, volunteer, police) -> None:
    assert officer.has_perm("audit.view_auditentry")
    assert not volunteer.has_perm("audit.view_auditentry")
    assert not police.has_perm("accounts.manage_roles")


def test_a_revoked_role_takes_its_rights_with_it(officer, volunteer) -> None:
    services.grant_role(user=volunteer, role=Role.OFFICER, actor=officer)
    assert User.objects.get(pk=volunteer.pk).has_perm("audit.view_auditentry")
    services.revoke_role(user=volunteer, role=Role.OFFICER, actor=officer)
    assert not User.objects.get(pk=volunteer.pk).has_perm("audit.view_auditentry")
    assert list(
        AuditEntry.objects.filter(
            target_id=str(volunteer.pk), action__startswith="accounts.user.role_"
        ).values_list("action", flat=True)
    ) == [
        "accounts.user.role_revoked",
        "accounts.user.role_granted",
    ]


def test_the_last_officer_cannot_be_removed(officer) -> None:
    with pytest.raises(services.AccountError) as refused:
        services.revoke_role(user=officer, role=Role.OFFICER, actor=officer)
    assert refused.value.code == "last_officer"
    assert Role.OFFICER in User.objects.get(pk=officer.pk).roles


def test_an_inactive_user_has_no_rights(officer) -> None:
    officer.is_active = False
    assert not officer.has_perm("audit.view_auditentry")


def test_officers_grant_roles_on_the_people_page(login, officer, volunteer) -> None:
    response = login(officer).post(
        f"/accounts/people/{volunteer.pk}/roles/grant/", {"role": "moderator"}
    )
    assert response.status_code == 302
    assert Role.MODERATOR in User.objects.get(pk=volunteer.pk).roles


def test_an_unknown_role_or_change_is_refused(login, officer, volunteer) -> None:
    client = login(officer)
    client.post(f"/accounts/people/{volunteer.pk}/roles/grant/", {"role": "king"})
    assert User.objects.get(pk=volunteer.pk).roles == {Role.VOLUNTEER}
    assert (
        client.post(
            f"/accounts/people/{volunteer.pk}/roles/crown/", {"role": "moderator"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["volunteer", "leader", "moderator", "police"])
def test_only_officers_change_roles(login, request, who: str, other_volunteer) -> None:
    client = login(request.getfixturevalue(who))
    response = client.post(
        f"/accounts/people/{other_volunteer.pk}/roles/grant/", {"role": "officer"}
    )
    assert response.status_code == 403
    assert client.get("/accounts/people/").status_code == 403
    assert User.objects.get(pk=other_volunteer.pk).roles == {Role.VOLUNTEER}


def test_the_public_cannot_see_people(public, volunteer) -> None:
    assert public.get("/accounts/people/").status_code == 302
    assert (
        public.post(
            f"/accounts/people/{volunteer.pk}/roles/grant/", {"role": "officer"}
        ).status_code
        == 302
    )


def test_the_people_page_shows_masked_numbers_and_filters(
    login, officer, volunteer, moderator, police
) -> None:
    client = login(officer)
    page = client.get("/accounts/people/", {"role": "moderator"})
    assert [person.name for person in page.context["page"]] == ["李版主"]
    body = client.get("/accounts/people/").content.decode()
    assert "139****0002" in body and "13900000002" not in body
    by_number = client.get("/accounts/people/", {"q": "0006"})
    assert [person.name for person in by_number.context["page"]] == ["陈警官"]


def test_the_people_page_queries_do_not_grow_with_people(
    login, officer, django_assert_max_num_queries
) -> None:
    for index in range(60):
        services.create_user(
            phone=f"137{index:08d}",
            name=f"队员{index}",
            password=None,
            actor=officer,
            roles=[Role.VOLUNTEER],
        )
    client = login(officer)
    with django_assert_max_num_queries(8):
        client.get("/accounts/people/")


def test_users_visible_to(officer, volunteer, other_volunteer) -> None:
    assert set(User.objects.visible_to(officer)) == {officer, volunteer, other_volunteer}
    assert list(User.objects.visible_to(volunteer)) == [volunteer]
