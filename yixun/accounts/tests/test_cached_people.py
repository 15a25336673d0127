"""The signed-in person, their roles and their membership come from a cache every process
shares; any change to them is seen at the very next page, from any process."""

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.test import Client

from yixun.accounts import services
from yixun.accounts.roles import Role
from yixun.members.models import Member, Squad
from yixun.members.services import roster
from yixun.patrols.models import DutyRules
from yixun.places.models import Area


def another_process() -> object:
    """The cache as another web worker opens it: a new connection to the same store."""
    return caches.create_connection("default")


def test_a_page_load_reads_the_person_from_the_cache(
    login, volunteer, django_assert_max_num_queries
) -> None:
    client = login(volunteer)
    client.get("/calendar/")  # the first page reads the person and fills the cache
    with django_assert_max_num_queries(3):  # the week's rows, my claims, my waiting places
        assert client.get("/calendar/").status_code == 200


def test_a_signed_out_session_is_refused_by_every_process(login, volunteer) -> None:
    client = login(volunteer)
    assert client.get("/calendar/").status_code == 200
    cookie = client.cookies["sessionid"].value
    assert another_process().get(f"django.contrib.sessions.cached_db{cookie}") is not None
    client.post("/accounts/logout/")
    assert another_process().get(f"django.contrib.sessions.cached_db{cookie}") is None
    stolen = Client()
    stolen.cookies["sessionid"] = cookie
    assert stolen.get("/calendar/").status_code == 302  # to the sign-in


def test_a_deactivated_person_is_signed_out_at_their_next_page(login, volunteer) -> None:
    client = login(volunteer)
    assert client.get("/calendar/").status_code == 200
    volunteer.is_active = False
    volunteer.save(update_fields=["is_active"])
    assert client.get("/calendar/").status_code == 302


def test_a_changed_password_ends_the_other_sessions_at_once(login, volunteer) -> None:
    client = login(volunteer)
    assert client.get("/calendar/").status_code == 200
    volunteer.set_password("Another-2026-password")
    volunteer.save(update_fields=["password"])
    assert client.get("/calendar/").status_code == 302


def test_a_role_taken_away_is_gone_at_the_next_page(login, officer, volunteer) -> None:
    services.grant_role(user=volunteer, role=Role.OFFICER, actor=officer)
    client = login(volunteer)
    assert client.get("/members/import/").status_code == 200
    services.revoke_role(user=volunteer, role=Role.OFFICER, actor=officer)
    assert client.get("/members/import/").status_code == 403


def test_a_moved_member_sees_their_new_squad_at_once(
    login, officer, volunteer, other_squad
) -> None:
    client = login(volunteer)
    assert client.get("/calendar/").context["member"].squad.name == "城关一分队"
    member = Member.objects.get(user=volunteer)
    roster.move_member(member=member, to_squad=other_squad, reason="搬家", actor=officer)
    assert client.get("/calendar/").context["member"].squad.name == "河口二分队"


def test_a_new_leader_leads_at_the_next_page(login, officer, volunteer, leader, squad) -> None:
    client = login(volunteer)
    assert "leader" not in client.get("/").context["sections"]
    squad = Squad.objects.get(pk=squad.pk)
    roster.set_deputies(squad=squad, deputies=[volunteer], actor=officer)
    assert "leader" in client.get("/").context["sections"]


def test_a_renamed_area_is_shown_at_the_next_page(login, volunteer, squad) -> None:
    town = Area.objects.create(name="城关镇", level="town")
    squad.area = town
    squad.save(update_fields=["area"])
    client = login(volunteer)
    assert client.get("/calendar/").context["member"].squad.area.name == "城关镇"
    town.name = "城关街道"
    town.save(update_fields=["name"])
    page = client.get("/calendar/")
    assert page.context["member"].squad.area.name == "城关街道"
    assert "城关街道" in page.content.decode()  # and the filter lists it by its new name


def test_changed_duty_rules_apply_at_once(officer) -> None:
    assert DutyRules.current().radius_m == 200
    rules = DutyRules.current()
    rules.radius_m = 350
    rules.save()
    assert DutyRules.current().radius_m == 350


def test_a_session_in_the_cache_names_the_person_it_was_made_for(login, volunteer) -> None:
    client = login(volunteer)
    client.get("/calendar/")
    session = cache.get(f"django.contrib.sessions.cached_db{client.cookies['sessionid'].value}")
    assert session[SESSION_KEY] == str(volunteer.pk)


def test_any_save_of_a_member_is_seen_at_the_next_page(login, volunteer) -> None:
    client = login(volunteer)
    assert "volunteer" in client.get("/").context["sections"]
    member = Member.objects.get(user=volunteer)
    member.status = Member.Status.SUSPENDED  # not through a service: the save alone must do
    member.save(update_fields=["status"])
    assert "volunteer" not in client.get("/").context["sections"]
