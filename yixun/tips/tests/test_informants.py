"""Informant protection: who may hold a tip, hand it on, merge it and read the reporter's contact;
and a trail that records what changed, never what did not."""

import pytest
from django.urls import reverse

from yixun.audit.models import AuditEntry
from yixun.tips.models import Tip, TipRules
from yixun.tips.services import screening, triage
from yixun.tips.services.errors import Conflict, NotAllowed
from yixun.tips.tests.conftest import send


def entries(action: str, tip: Tip) -> int:
    return AuditEntry.objects.filter(
        action=action, target_type="tips.tip", target_id=str(tip.pk)
    ).count()


def forwarded(tip: Tip, moderator, town) -> Tip:
    triage.take(tip=tip, actor=moderator)
    return triage.forward(tip=tip, actor=moderator, area=town, summary="菜市场门口斗殴")


# Holding a tip


def test_a_moderator_cannot_take_a_tip_another_holds(tip, moderator, moderator2) -> None:
    triage.take(tip=tip, actor=moderator)
    with pytest.raises(Conflict, match="李版主"):
        triage.take(tip=tip, actor=moderator2)
    tip.refresh_from_db()
    assert tip.assigned_to == moderator


def test_a_moderator_cannot_hand_a_tip_they_do_not_hold_to_themself(
    tip, moderator, moderator2
) -> None:
    triage.take(tip=tip, actor=moderator)
    with pytest.raises(NotAllowed):
        triage.assign(tip=tip, actor=moderator2, to=moderator2)
    with pytest.raises(NotAllowed):  # nobody holds it yet: take it, do not assign it
        triage.assign(tip=send("河边有人钓鱼落水了，快来人"), actor=moderator2, to=moderator2)
    tip.refresh_from_db()
    assert tip.assigned_to == moderator
    assert not triage.may_see_contact(moderator2, tip)


def test_the_holder_hands_a_tip_on(tip, moderator, moderator2) -> None:
    triage.take(tip=tip, actor=moderator)
    triage.assign(tip=tip, actor=moderator, to=moderator2)
    tip.refresh_from_db()
    assert tip.assigned_to == moderator2
    assert triage.may_see_contact(moderator2, tip) and not triage.may_see_contact(moderator, tip)
    entry = AuditEntry.objects.get(action="tips.tip.assigned")
    assert entry.data == {"from": moderator.pk, "to": moderator2.pk}


def test_an_officer_hands_a_tip_on_only_with_a_reason(tip, moderator, moderator2, officer) -> None:
    triage.take(tip=tip, actor=moderator)
    with pytest.raises(Conflict, match="Say why"):  # the holder needs none; an officer does
        triage.assign(tip=tip, actor=officer, to=moderator2)
    triage.assign(tip=tip, actor=officer, to=moderator2, reason="李版主今天请假")
    tip.refresh_from_db()
    assert tip.assigned_to == moderator2
    entry = AuditEntry.objects.get(action="tips.tip.assigned")
    assert (entry.actor, entry.data["reason"]) == (officer, "李版主今天请假")
    assert not triage.may_see_contact(officer, tip)  # moving a tip is not reading its reporter


def test_a_tip_that_left_the_moderators_cannot_change_hands(
    tip, moderator, moderator2, officer, town
) -> None:
    forwarded(tip, moderator, town)
    for actor, reason in ((moderator, ""), (officer, "交接")):
        with pytest.raises(Conflict):
            triage.assign(tip=tip, actor=actor, to=moderator2, reason=reason)
    with pytest.raises(Conflict):
        triage.take(tip=tip, actor=moderator2)
    tip.refresh_from_db()
    assert tip.assigned_to == moderator
    assert not triage.may_see_contact(moderator2, tip)


def test_handing_on_through_the_page_follows_the_same_rule(
    login, tip, moderator, moderator2, officer
) -> None:
    triage.take(tip=tip, actor=moderator)
    act = reverse("tips:act", args=[tip.pk, "assign"])
    login(moderator2).post(act, {"to": moderator2.pk})
    tip.refresh_from_db()
    assert tip.assigned_to == moderator
    page = login(officer).get(reverse("tips:detail", args=[tip.pk])).content.decode()
    assert 'data-testid="assign-form"' in page and 'name="reason"' in page
    login(officer).post(act, {"to": moderator2.pk, "reason": "换班"})
    tip.refresh_from_db()
    assert tip.assigned_to == moderator2


# The reporter's contact


def test_contact_is_for_the_holder_while_the_tip_is_with_the_moderators(
    tip, moderator, moderator2, officer, police, other_police, town
) -> None:
    triage.take(tip=tip, actor=moderator)
    assert triage.may_see_contact(moderator, tip)
    for other in (moderator2, officer, police, other_police):
        assert not triage.may_see_contact(other, tip)
    forwarded(tip, moderator, town)
    tip.refresh_from_db()
    assert triage.may_see_contact(police, tip)
    for other in (moderator, moderator2, officer, other_police):  # the holder no longer
        assert not triage.may_see_contact(other, tip)
    with pytest.raises(NotAllowed):
        triage.reveal_contact(tip=tip, actor=moderator, reason="再确认一下")
    triage.accept(tip=tip, actor=police)
    triage.record_outcome(tip=tip, actor=police, outcome="checked", public_answer="已核查。")
    tip.refresh_from_db()
    assert triage.may_see_contact(police, tip) and not triage.may_see_contact(moderator, tip)


def test_a_tip_closed_by_the_moderators_shows_its_contact_to_nobody(tip, moderator, police) -> None:
    triage.take(tip=tip, actor=moderator)
    triage.close(tip=tip, actor=moderator, reason="重复")
    tip.refresh_from_db()
    assert not triage.may_see_contact(moderator, tip) and not triage.may_see_contact(police, tip)


def test_a_tip_in_the_spam_folder_shows_its_contact_to_nobody(tip, moderator, moderator2) -> None:
    triage.take(tip=tip, actor=moderator)
    assert triage.mark_spam(tips=[tip], actor=moderator) == 1
    tip.refresh_from_db()
    assert not triage.may_see_contact(moderator, tip)
    with pytest.raises(Conflict):  # nor can it be taken to read it
        triage.take(tip=tip, actor=moderator2)


def test_a_moderator_cannot_move_a_tip_another_holds_to_the_spam_folder(
    tip, moderator, moderator2
) -> None:
    triage.take(tip=tip, actor=moderator)
    assert triage.mark_spam(tips=[tip], actor=moderator2) == 0
    tip.refresh_from_db()
    assert tip.status == Tip.Status.NEW
    assert entries("tips.tip.marked_spam", tip) == 0


# Merging


def test_a_tip_the_police_have_cannot_be_merged_away(tip, moderator, police, town) -> None:
    forwarded(tip, moderator, town)
    triage.accept(tip=tip, actor=police)
    other = send("菜市场门口打架的人跑了，往北边去了")
    with pytest.raises(Conflict):
        triage.merge(tip=tip, into=other, actor=moderator)
    tip.refresh_from_db()
    assert (tip.status, tip.merged_into) == (Tip.Status.ACCEPTED, None)
    assert entries("tips.tip.merged", tip) == 0
    # The police can still answer it, and the reporter's page says what they did.
    triage.record_outcome(tip=tip, actor=police, outcome="case_solved", public_answer="已处理。")
    tip.refresh_from_db()
    assert tip.status == Tip.Status.CLOSED


def test_twenty_reports_of_one_fire_merge_into_the_one_the_police_have(
    public, moderator, police, town
) -> None:
    first = send("城关镇粮站着火了，烟很大", "fire")
    forwarded(first, moderator, town)
    triage.accept(tip=first, actor=police)
    later = [send(f"粮站那边冒黑烟，第{n}次看到", "fire", address=f"10.9.9.{n}") for n in range(3)]
    for duplicate in later:
        triage.merge(tip=duplicate, into=first, actor=moderator)
    triage.record_outcome(tip=first, actor=police, outcome="checked", public_answer="火已扑灭。")
    for duplicate in later:
        duplicate.refresh_from_db()
        assert duplicate.status == Tip.Status.MERGED and duplicate.merged_into == first
        page = public.get(reverse("tips:track", args=[duplicate.code])).content.decode()
        assert "火已扑灭" in page


def test_a_duplicate_another_moderator_holds_is_not_merged_from_under_them(
    moderator, moderator2
) -> None:
    first = send()
    duplicate = send("菜市场门口有人打架，好几个人", address="10.1.1.1")
    triage.take(tip=duplicate, actor=moderator2)
    with pytest.raises(Conflict):
        triage.merge(tip=duplicate, into=first, actor=moderator)
    with pytest.raises(Conflict):  # nor into a tip in the spam folder
        triage.merge(tip=first, into=send("免费领取礼品，点击链接 www.lipin.top"), actor=moderator)


# The trail records what changed


def test_nothing_changed_leaves_no_trace(tip, moderator) -> None:
    triage.take(tip=tip, actor=moderator)
    triage.take(tip=tip, actor=moderator)  # taken again by its holder
    assert entries("tips.tip.taken", tip) == 1
    triage.restore(tip=tip, actor=moderator)  # not in the spam folder
    assert entries("tips.tip.restored", tip) == 0
    triage.set_urgency(tip=tip, actor=moderator, urgent=False)  # it was not urgent
    assert entries("tips.tip.urgency_set", tip) == 0
    triage.close(tip=tip, actor=moderator, reason="已解决")
    assert triage.mark_spam(tips=[tip], actor=moderator) == 0  # closed: stays closed
    assert entries("tips.tip.marked_spam", tip) == 0
    tip.refresh_from_db()
    assert tip.status == Tip.Status.CLOSED


def test_bulk_spam_traces_only_the_tips_that_moved(moderator) -> None:
    open_tip, closed = send(), send("环城路红绿灯坏了好几天", "traffic", address="10.2.2.2")
    triage.take(tip=closed, actor=moderator)
    triage.close(tip=closed, actor=moderator, reason="已修好")
    assert triage.mark_spam(tips=[open_tip, closed], actor=moderator) == 1
    assert entries("tips.tip.marked_spam", open_tip) == 1
    assert entries("tips.tip.marked_spam", closed) == 0


def test_the_moderators_verdicts_teach_the_screening(moderator) -> None:
    """What a moderator moves to the spam folder, tips worded like it follow; what they restore
    comes back; a no-op verdict teaches nothing."""
    ads = [
        "鸿福茶庄新茶上市，明前龙井礼盒装，顺丰包邮",
        "鸿福茶庄，明前龙井新茶到了，礼盒包邮到家",
        "新茶上市！鸿福茶庄龙井碧螺春礼盒，全国包邮",
    ]
    tips = [send(text, "other", address=f"10.8.0.{n}") for n, text in enumerate(ads)]
    assert all(tip.status == Tip.Status.NEW for tip in tips)
    assert triage.mark_spam(tips=tips, actor=moderator) == 3
    assert triage.mark_spam(tips=tips, actor=moderator) == 0  # already there: no second lesson
    later = send("鸿福茶庄明前龙井上市了，礼盒装顺丰包邮", "other", address="10.8.0.9")
    assert later.status == Tip.Status.SPAM and "learned" in later.spam_reasons
    for tip in tips:
        triage.restore(tip=tip, actor=moderator)
    threshold = TipRules.current().spam_threshold
    assert screening.score(later.normalised).value < threshold
