"""Partner organisations whose people join the patrols: kept by officers, linked to members."""

import pytest

from yixun.accounts import services as accounts
from yixun.audit.models import AuditEntry
from yixun.members.models import Member, PartnerOrganisation
from yixun.members.services import roster
from yixun.members.services.errors import MembershipConflict, NotAllowed

NOT_OFFICERS = ["leader", "volunteer", "moderator", "police"]


def partner_form(name="县法律援助中心", **fields: str) -> dict[str, str]:
    return {
        "name": name,
        "kind": PartnerOrganisation.Kind.LEGAL_AID,
        "contact_name": "郭主任",
        "contact_phone": "0710-1234567",
        "notes": "",
        **fields,
    }


@pytest.fixture
def partner(officer) -> PartnerOrganisation:
    return roster.save_partner(
        actor=officer, name="县志愿者联合会", kind=PartnerOrganisation.Kind.VOLUNTEERS
    )


def test_an_officer_adds_a_partner(login, officer) -> None:
    response = login(officer).post("/partners/", partner_form())
    assert response.status_code == 302
    assert response["Location"] == "/partners/"
    created = PartnerOrganisation.objects.get()
    assert (created.name, created.kind, created.contact_name) == (
        "县法律援助中心",
        "legal_aid",
        "郭主任",
    )
    entry = AuditEntry.objects.get(action="members.partner_organisation.created")
    assert (entry.actor, entry.target_id) == (officer, str(created.pk))


def test_an_officer_changes_a_partner(login, officer, partner) -> None:
    response = login(officer).post(
        f"/partners/{partner.pk}/",
        partner_form(name="县志愿服务联合会", kind=PartnerOrganisation.Kind.VOLUNTEERS),
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.contact_name) == ("县志愿服务联合会", "郭主任")
    entry = AuditEntry.objects.get(action="members.partner_organisation.changed")
    assert (entry.actor, entry.target_id) == (officer, str(partner.pk))


def test_officers_see_the_partners_with_their_active_members(
    login, officer, partner, volunteer, volunteer2
) -> None:
    Member.objects.filter(user__in=[volunteer, volunteer2]).update(partner=partner)
    Member.objects.filter(user=volunteer2).update(status=Member.Status.LEFT)
    response = login(officer).get("/partners/")
    assert response.status_code == 200
    assert [(p.name, p.size) for p in response.context["partners"]] == [("县志愿者联合会", 1)]


def test_a_second_partner_of_the_same_name_is_refused(login, officer, partner) -> None:
    response = login(officer).post("/partners/", partner_form(name=partner.name))
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert PartnerOrganisation.objects.count() == 1
    assert (
        not AuditEntry.objects.filter(action="members.partner_organisation.created", actor=officer)
        .exclude(target_id=str(partner.pk))
        .exists()
    )


def test_renaming_a_partner_to_a_name_in_use_is_refused(login, officer, partner) -> None:
    other = roster.save_partner(
        actor=officer, name="县红十字会", kind=PartnerOrganisation.Kind.BLOOD
    )
    response = login(officer).post(f"/partners/{other.pk}/", partner_form(name=partner.name))
    assert response.context["form"].errors["name"]
    other.refresh_from_db()
    assert other.name == "县红十字会"
    assert not AuditEntry.objects.filter(action="members.partner_organisation.changed").exists()


def test_the_service_refuses_a_name_in_use(officer, partner) -> None:
    with pytest.raises(MembershipConflict) as refused:
        roster.save_partner(actor=officer, name=partner.name, kind=PartnerOrganisation.Kind.OTHER)
    assert refused.value.code == "partner_name_taken"
    assert PartnerOrganisation.objects.count() == 1


def test_only_officers_save_partners(leader) -> None:
    with pytest.raises(NotAllowed):
        roster.save_partner(actor=leader, name="某协会", kind=PartnerOrganisation.Kind.OTHER)
    assert not PartnerOrganisation.objects.exists()


def test_a_partner_set_on_a_members_page_shows_in_the_partners_list(
    login, officer, partner, volunteer, other_volunteer
) -> None:
    member = Member.objects.get(user=volunteer)
    client = login(officer)
    response = client.post(f"/members/{member.pk}/edit/", {"partner": partner.pk})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.partner == partner
    page = client.get(f"/partners/{partner.pk}/")
    assert page.status_code == 200
    assert [m.pk for m in page.context["members"]] == [member.pk]
    assert "张志愿" in page.content.decode()
    assert "赵海波" not in page.content.decode()
    assert AuditEntry.objects.filter(
        action="members.member.details_changed", target_id=str(member.pk)
    ).exists()


def test_the_partner_page_keeps_its_query_count_with_many_members(
    login, officer, partner, squad, django_assert_max_num_queries
) -> None:
    for n in range(40):
        user = accounts.create_user(
            phone=f"1370000{n:04d}", name=f"队员{n}", password=None, actor=None
        )
        Member.objects.create(user=user, squad=squad, partner=partner)
    client = login(officer)
    with django_assert_max_num_queries(12):
        response = client.get(f"/partners/{partner.pk}/")
    assert len(response.context["members"]) == 40


@pytest.mark.parametrize("who", NOT_OFFICERS)
def test_other_roles_may_not_see_or_change_partners(request, login, partner, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get("/partners/").status_code == 403
    assert client.get(f"/partners/{partner.pk}/").status_code == 403
    assert client.post("/partners/", partner_form(name="新伙伴")).status_code == 403
    assert client.post(f"/partners/{partner.pk}/", partner_form(name="改名")).status_code == 403
    partner.refresh_from_db()
    assert partner.name == "县志愿者联合会"
    assert PartnerOrganisation.objects.count() == 1


def test_the_public_is_sent_to_sign_in(public, partner) -> None:
    for response in (
        public.get("/partners/"),
        public.get(f"/partners/{partner.pk}/"),
        public.post("/partners/", partner_form(name="新伙伴")),
        public.post(f"/partners/{partner.pk}/", partner_form(name="改名")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    partner.refresh_from_db()
    assert partner.name == "县志愿者联合会"
    assert PartnerOrganisation.objects.count() == 1
