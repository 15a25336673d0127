"""A tip's life: intake, take, acknowledge, ask, forward, the police's outcome, close, spam,
merge; who may do each; the clocks and escalation under a frozen clock; contact protection."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.tips.models import Tip, TipMessage
from yixun.tips.services import clocks, triage
from yixun.tips.services.errors import Conflict, NotAllowed, TipRefused, TooMany
from yixun.tips.tests.conftest import send


def test_a_tip_goes_from_intake_to_solved(
    moderator, police, town, outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        tip = send(contact_name="李先生", contact_phone="13912345678")
    assert tip.status == Tip.Status.NEW and len(tip.code) == 20
    assert any(message.to == moderator.phone for message in outbox)  # nobody on duty: all told
    with pytest.raises(Conflict):
        triage.acknowledge(tip=tip, actor=moderator)  # take it first
    triage.take(tip=tip, actor=moderator)
    triage.acknowledge(tip=tip, actor=moderator)
    triage.write(tip=tip, actor=moderator, kind="question", text="大概几个人？")
    triage.answer_question(tip=tip, text="三四个人")
    triage.forward(tip=tip, actor=moderator, area=town, summary="菜市场门口斗殴，有伤者")
    tip.refresh_from_db()
    assert tip.status == Tip.Status.FORWARDED and tip.station.liaisons.filter(pk=police.pk).exists()
    triage.accept(tip=tip, actor=police)
    triage.record_outcome(
        tip=tip, actor=police, outcome="case_solved", public_answer="已依法处理，谢谢您的线索。"
    )
    tip.refresh_from_db()
    assert (tip.status, tip.outcome) == (Tip.Status.CLOSED, "case_solved")
    actions = list(
        AuditEntry.objects.filter(target_type="tips.tip", target_id=str(tip.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "tips.tip.received",
        "tips.tip.taken",
        "tips.tip.acknowledged",
        "tips.tip.message_written",
        "tips.tip.answered",
        "tips.tip.forwarded",
        "tips.tip.accepted",
        "tips.tip.outcome_recorded",
    ]


def test_two_moderators_never_act_on_one_tip_unknowingly(tip, moderator, moderator2) -> None:
    triage.take(tip=tip, actor=moderator)
    with pytest.raises(Conflict, match="李版主"):
        triage.take(tip=tip, actor=moderator2)
    with pytest.raises(Conflict):
        triage.close(tip=tip, actor=moderator2, reason="x")


def test_only_the_forwarded_station_answers(
    tip, moderator, police, other_police, volunteer, town
) -> None:
    triage.take(tip=tip, actor=moderator)
    with pytest.raises(NotAllowed):
        triage.accept(tip=tip, actor=police)  # not forwarded yet
    triage.forward(tip=tip, actor=moderator, area=town, summary="s")
    for someone in (other_police, volunteer, moderator):
        with pytest.raises(NotAllowed):
            triage.record_outcome(tip=tip, actor=someone, outcome="checked", public_answer="x")
    with pytest.raises(NotAllowed):
        triage.take(tip=tip, actor=volunteer)


def test_contact_details_only_for_the_handler_and_the_forwarded_police(
    tip, moderator, moderator2, police, other_police, officer, volunteer, town
) -> None:
    for someone in (moderator, moderator2, police, officer, volunteer):
        assert not triage.may_see_contact(someone, tip)
    triage.take(tip=tip, actor=moderator)
    assert triage.may_see_contact(moderator, tip) and not triage.may_see_contact(moderator2, tip)
    with pytest.raises(TipRefused):
        triage.reveal_contact(tip=tip, actor=moderator, reason=" ")
    assert triage.reveal_contact(tip=tip, actor=moderator, reason="核实地点") == (
        "李先生",
        "+8613912345678",
    )
    entry = AuditEntry.objects.get(action="tips.tip.contact_viewed")
    assert entry.actor == moderator and entry.data == {"reason": "核实地点"}
    assert "13912345678" not in str(list(AuditEntry.objects.values_list("data", flat=True)))
    triage.forward(tip=tip, actor=moderator, area=town, summary="s")
    assert triage.may_see_contact(police, tip) and not triage.may_see_contact(other_police, tip)
    assert "1391234" not in tip.contact_phone  # encrypted at rest


def test_the_clock_escalates_an_unacknowledged_urgent_tip(
    moderator, moderator2, officer, outbox, django_capture_on_commit_callbacks
) -> None:
    urgent = send("有个小孩走失了，穿红色衣服，在广场附近", "missing_person")
    assert urgent.is_urgent and urgent.ack_due_at - urgent.created_at == dt.timedelta(minutes=15)
    triage.take(tip=urgent, actor=moderator)
    assert clocks.escalate_overdue() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        outbox.clear()
        # The messages are queued with the escalation itself, in its transaction, not after
        # it commits: a worker killed between the two would have lost them.
        with django_capture_on_commit_callbacks(execute=False):
            assert clocks.escalate_overdue() == 1
        assert clocks.escalate_overdue() == 0  # once
    urgent.refresh_from_db()
    assert urgent.escalated_at and urgent.assigned_to == moderator2
    told = {message.to for message in outbox}
    assert {officer.phone, moderator2.phone} <= told


def test_an_ordinary_tip_has_two_hours(moderator) -> None:
    tip = send()
    assert tip.ack_due_at - tip.created_at == dt.timedelta(hours=2)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=119)):
        assert clocks.escalate_overdue() == 0


def test_spam_goes_to_the_folder_and_comes_back(moderator) -> None:
    spam = send("高價回收發票，加微信 vx123456，詳情訪問 www.fapiao.top")
    assert spam.status == Tip.Status.SPAM and "link" in spam.spam_reasons
    triage.restore(tip=spam, actor=moderator)
    spam.refresh_from_db()
    assert spam.status == Tip.Status.NEW
    assert triage.mark_spam(tips=[spam], actor=moderator) == 1


def test_a_merged_tip_follows_the_other(moderator, police, town) -> None:
    first, second = send(), send("菜市场门口有人持刀打架", address="10.0.0.2")
    triage.merge(tip=second, into=first, actor=moderator)
    second.refresh_from_db()
    assert second.status == Tip.Status.MERGED and second.merged_into == first


def test_rate_limits_per_address(db) -> None:
    for n in range(10):
        send(f"第{n}条：路口红绿灯坏了很久没人修", "traffic", address="10.9.9.9")
    with pytest.raises(TooMany):
        send("路口红绿灯坏了很久没人修", "traffic", address="10.9.9.9")
    assert Tip.objects.count() == 10


def test_bad_input_is_refused_and_nothing_kept(db) -> None:
    with pytest.raises(TipRefused):
        send("短", "crime")
    with pytest.raises(TipRefused):
        send(category="aliens")
    with pytest.raises(TipRefused):
        send(contact_phone="12345")
    assert not Tip.objects.exists()


def test_contact_details_are_erased_after_retention(tip, moderator) -> None:
    triage.take(tip=tip, actor=moderator)
    triage.close(tip=tip, actor=moderator, reason="已处理")
    assert clocks.erase_expired_contacts() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=181)):
        assert clocks.erase_expired_contacts() == 1
    tip.refresh_from_db()
    assert not tip.has_contact and tip.contact_erased_at and tip.text


def test_the_reporter_answers_only_questions(tip) -> None:
    with pytest.raises(Conflict):
        triage.answer_question(tip=tip, text="补充")
    assert not TipMessage.objects.exists()


def test_a_solved_case_counts_in_the_figures_and_for_the_volunteer_who_reported_it(
    volunteer, moderator, police, town
) -> None:
    from yixun.stats import figures
    from yixun.tips.services import intake

    tip = intake.submit_tip(
        report=intake.Report(category="crime", text="小区地下车库有人偷电瓶，已连续三晚"),
        address="10.3.3.3",
        reporter=volunteer,
        source=Tip.Source.MEMBER,
    )
    triage.take(tip=tip, actor=moderator)
    triage.forward(tip=tip, actor=moderator, area=town, summary="车库盗窃电瓶")
    assert figures.compute(figures.Scope())["tips_solved"] == 0
    triage.record_outcome(tip=tip, actor=police, outcome="case_solved", public_answer="已破案")
    squad = volunteer.membership.squad
    assert figures.compute(figures.Scope())["tips_solved"] == 1
    assert figures.compute(figures.Scope(squad=squad))["tips_solved"] == 1
    assert figures.compute(figures.Scope(area=town))["tips_solved"] == 1
    assert list(figures.records("tips_solved", figures.Scope())) == [tip]


def test_likely_duplicates_are_grouped_and_merged_reporters_see_the_outcome(
    public, moderator, police, town
) -> None:
    from django.urls import reverse

    from yixun.tips.services.duplicates import likely_duplicates

    first = send("城关镇农贸市场门口有人打架，有人受伤流血", point=(31.0, 114.0))
    same = send("农贸市场门口有人打架，好像有人受伤了", address="10.0.0.2", point=(31.001, 114.0))
    far = send("农贸市场门口有人打架，有人受伤", address="10.0.0.3", point=(31.2, 114.0))
    other = send("城关镇中学后面的路灯坏了很久", address="10.0.0.4", point=(31.0, 114.0))
    assert likely_duplicates(first) == [same]
    assert far not in likely_duplicates(first) and other not in likely_duplicates(first)
    triage.merge(tip=same, into=first, actor=moderator)
    triage.take(tip=first, actor=moderator)
    triage.forward(tip=first, actor=moderator, area=town, summary="斗殴")
    triage.record_outcome(
        tip=first, actor=police, outcome="case_opened", public_answer="已立案侦查。"
    )
    page = public.get(reverse("tips:track", args=[same.code])).content.decode()
    assert "已立案侦查" in page and first.code not in page  # nothing about the other reporter


def test_each_clock_escalates_once(moderator, moderator2, town) -> None:
    tip = send()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        assert clocks.escalate_overdue() == 1  # not acknowledged in two hours
        tip.refresh_from_db()
        triage.acknowledge(tip=tip, actor=tip.assigned_to)
        assert clocks.escalate_overdue() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert clocks.escalate_overdue() == 1  # acknowledged, but not forwarded or closed in a day
        assert clocks.escalate_overdue() == 0
