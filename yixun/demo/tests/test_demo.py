import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from yixun.accounts.models import RoleGrant, User
from yixun.accounts.roles import Role
from yixun.demo import county
from yixun.members.models import Member, Squad


def test_the_small_county_fills_every_role(db, capsys) -> None:
    call_command("demo", "--size", "small", verbosity=0)
    plan = county.SIZES["small"]
    assert Squad.objects.count() == plan.squads
    assert Member.objects.count() == plan.volunteers
    assert Member.objects.filter(kind=Member.Kind.CORE).count() == plan.core
    held = set(RoleGrant.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    assert not Squad.objects.filter(leader__isnull=True).exists()
    # Each squad's leader belongs to the squad they lead.
    for squad in Squad.objects.select_related("leader__membership"):
        assert squad.leader.membership.squad_id == squad.pk
    assert "138 0000 0001" in capsys.readouterr().out  # the officer's login, as people read numbers


def test_the_printed_logins_work(db, client, outbox) -> None:
    call_command("demo", "--size", "small", verbosity=0)
    for number, _name, role in county.LOGINS:
        response = client.post(
            "/accounts/login/", {"phone": number, "password": county.DEMO_PASSWORD}
        )
        assert response.status_code == 302, number
        if response["Location"] == "/accounts/login/second-step/":  # staff: the code as well
            code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
            assert client.post(response["Location"], {"code": code}).status_code == 302
        assert role in client.get("/").context["user"].roles
        client.post("/accounts/logout/")


class Rollback(Exception):
    pass


def snapshot() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    return (
        list(User.objects.order_by("phone").values_list("phone", "name")),
        sorted(Member.objects.values_list("id_number_digest", flat=True)),
        list(Squad.objects.order_by("name").values_list("name", flat=True)),
    )


def test_the_same_seed_builds_the_same_county(db) -> None:
    with pytest.raises(Rollback), transaction.atomic():
        county.build(size="small", seed=7)
        first = snapshot()
        raise Rollback
    county.build(size="small", seed=7)
    assert snapshot() == first


def test_it_refuses_a_database_with_people_unless_asked_to_skip(db, volunteer) -> None:
    with pytest.raises(CommandError):
        call_command("demo", "--size", "small", verbosity=0)
    call_command("demo", "--size", "small", "--if-empty", verbosity=0)
    assert User.objects.count() == 1
