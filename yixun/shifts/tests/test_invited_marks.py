"""After a leader invites someone, the page says so: the candidate is marked invited, the shift
lists who was asked and has not answered, and the squad plan counts them."""

import pytest

from yixun.places.models import Area
from yixun.shifts.models import ClaimRules
from yixun.shifts.services import claims, invites
from yixun.shifts.tests.helpers import member_of, new_shift


@pytest.fixture(autouse=True)
def no_newcomer_rule(db) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db) -> Area:
    county = Area.objects.create(name="示范县", level="county")
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def ours(officer, leader, squad, town):
    shift = new_shift(officer, town, min_people=3)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    return shift


def block(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</ul>", start)]


def test_after_inviting_the_candidate_is_marked_and_the_shift_lists_them(
    login, leader, volunteer, volunteer2, ours
) -> None:
    client = login(leader)
    before = client.get(f"/shifts/{ours.pk}/").content.decode()
    assert 'data-testid="invited-mark"' not in before and 'data-testid="invited"' not in before

    client.post(f"/shifts/{ours.pk}/invite/", {"member": member_of(volunteer).pk})
    page = client.get(f"/shifts/{ours.pk}/").content.decode()

    candidates = block(page, "candidates")
    row = candidates[candidates.index(f'data-member="{member_of(volunteer).pk}"') :]
    assert row.index('data-testid="invited-mark"') < row.index("</li>")
    other = candidates[candidates.index(f'data-member="{member_of(volunteer2).pk}"') :]
    assert 'data-testid="invited-mark"' not in other[: other.index("</li>")]
    invited = block(page, "invited")
    assert volunteer.name in invited and volunteer2.name not in invited
    assert leader.name in invited  # who asked


def test_once_they_take_the_place_they_are_no_longer_waiting(
    login, leader, volunteer, ours
) -> None:
    invitation = invites.invite(shift=ours, member=member_of(volunteer), actor=leader)
    invites.accept_invitation(invitation=invitation, user=volunteer)
    page = login(leader).get(f"/shifts/{ours.pk}/").content.decode()
    assert 'data-testid="invited"' not in page


def test_the_squad_plan_counts_the_unanswered(login, leader, volunteer, volunteer2, ours) -> None:
    client = login(leader)
    for user in (volunteer, volunteer2):
        client.post(f"/shifts/{ours.pk}/invite/", {"member": member_of(user).pk})
    client.post(f"/shifts/{ours.pk}/invite/", {"member": member_of(volunteer).pk})  # again
    page = client.get("/squad-plan/").content.decode()
    assert 'data-testid="invited-count">已邀请 2 人<' in page


def test_a_leader_sees_only_their_own_squads_invitations(
    login, officer, leader, other_volunteer, other_squad, town
) -> None:
    shift = new_shift(officer, town)  # open: any squad's leader may fill it
    invites.invite(shift=shift, member=member_of(other_volunteer), actor=officer)
    assert other_volunteer.name not in login(leader).get(f"/shifts/{shift.pk}/").content.decode()
    officer_page = login(officer).get(f"/shifts/{shift.pk}/").content.decode()
    assert other_volunteer.name in block(officer_page, "invited")
