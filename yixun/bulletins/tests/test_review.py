"""Who writes and who approves each kind; nobody approves their own, but an urgent alert a
liaison may send at once, reviewed after; corrections and withdrawals are never silent."""

import datetime as dt

import pytest
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, BulletinChange, InboxItem, Kind, Status
from yixun.lib.errors import Conflict

pytestmark = pytest.mark.django_db


def test_a_volunteer_cannot_write(volunteer, write):
    with pytest.raises(services.NotAllowed):
        write(volunteer)
    assert not Bulletin.objects.exists()


def test_a_bulletin_needs_an_audience(moderator):
    with pytest.raises(services.BulletinRefused) as refused:
        services.save_bulletin(actor=moderator, kind=Kind.ALERT, title="t", body="b")
    assert refused.value.code == "no_audience"


def test_a_police_alert_is_approved_by_the_police_and_never_by_its_writer(
    moderator, police, officer, write
):
    bulletin = write(moderator)
    services.submit_bulletin(actor=moderator, bulletin=bulletin)
    for wrong in (moderator, officer):
        with pytest.raises(services.NotAllowed):
            services.approve_bulletin(actor=wrong, bulletin=bulletin)
    services.approve_bulletin(actor=police, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.status == Status.PUBLISHED
    assert bulletin.approved_by == police
    assert bulletin.published_at is not None
    assert AuditEntry.objects.filter(action="bulletins.bulletin.published").count() == 1


def test_a_liaisons_alert_may_be_approved_by_an_officer_but_not_by_the_liaison(
    police, officer, write
):
    bulletin = write(police)
    services.submit_bulletin(actor=police, bulletin=bulletin)
    with pytest.raises(services.NotAllowed):
        services.approve_bulletin(actor=police, bulletin=bulletin)
    services.approve_bulletin(actor=officer, bulletin=bulletin)
    assert Bulletin.objects.get().status == Status.PUBLISHED


def test_a_notice_is_approved_by_an_officer_only(moderator, police, officer, write):
    bulletin = write(moderator, kind=Kind.NOTICE, to_members=True, to_public=False)
    services.submit_bulletin(actor=moderator, bulletin=bulletin)
    with pytest.raises(services.NotAllowed):
        services.approve_bulletin(actor=police, bulletin=bulletin)
    services.approve_bulletin(actor=officer, bulletin=bulletin)
    assert Bulletin.objects.get().status == Status.PUBLISHED


def test_a_draft_cannot_be_approved_before_it_is_sent_for_review(moderator, police, write):
    bulletin = write(moderator)
    with pytest.raises(Conflict):
        services.approve_bulletin(actor=police, bulletin=bulletin)


def test_returned_with_a_reason_it_is_a_draft_again(moderator, police, write):
    bulletin = write(moderator)
    services.submit_bulletin(actor=moderator, bulletin=bulletin)
    services.return_bulletin(actor=police, bulletin=bulletin, note="案情细节不宜公开")
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.returned_note) == (Status.DRAFT, "案情细节不宜公开")


def test_an_urgent_alert_goes_out_at_once_and_is_reviewed_after(
    police, officer, moderator, volunteer, write
):
    alert = write(police, kind=Kind.URGENT, title="寻找走失老人", to_public=True)
    with pytest.raises(services.NotAllowed):  # a moderator may not skip the review
        services.send_at_once(actor=moderator, bulletin=alert)
    services.send_at_once(actor=police, bulletin=alert)
    alert.refresh_from_db()
    assert alert.status == Status.PUBLISHED and alert.sent_unreviewed
    assert InboxItem.objects.filter(user=volunteer, bulletin=alert).exists()
    with pytest.raises(services.NotAllowed):
        services.review_sent(actor=police, bulletin=alert)  # not its own writer
    services.review_sent(actor=officer, bulletin=alert)
    alert.refresh_from_db()
    assert not alert.sent_unreviewed and alert.approved_by == officer


def test_a_published_bulletin_cannot_be_edited_in_silence(moderator, police, publish):
    bulletin = publish(moderator, police)
    with pytest.raises(Conflict):
        services.save_bulletin(
            actor=moderator, bulletin=bulletin, kind=Kind.ALERT, title="x", body="y", to_public=True
        )


def test_a_correction_and_a_withdrawal_go_out_again(moderator, police, volunteer, publish):
    bulletin = publish(moderator, police)
    item = InboxItem.objects.get(user=volunteer, bulletin=bulletin)
    services.mark_read(user=volunteer, bulletin=bulletin)
    services.correct_bulletin(
        actor=police, bulletin=bulletin, title="更正标题", body="新的内容", note="电话号码有误"
    )
    item.refresh_from_db()
    assert (item.revision, item.read_at) == (1, None)  # back in the inbox, unread
    services.withdraw_bulletin(actor=police, bulletin=bulletin, note="已破案")
    bulletin.refresh_from_db()
    assert bulletin.status == Status.WITHDRAWN and bulletin.revision == 2
    assert list(bulletin.changes.values_list("kind", "revision")) == [
        (BulletinChange.Kind.UPDATE, 1),
        (BulletinChange.Kind.CANCEL, 2),
    ]
    with pytest.raises(Conflict):
        services.withdraw_bulletin(actor=police, bulletin=bulletin, note="again")


def test_a_change_says_what_changed(moderator, police, publish):
    bulletin = publish(moderator, police)
    with pytest.raises(services.BulletinRefused):
        services.withdraw_bulletin(actor=police, bulletin=bulletin, note="  ")
    assert Bulletin.objects.get().status == Status.PUBLISHED


def test_it_cannot_expire_before_it_goes_out(moderator, write):
    soon = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(services.BulletinRefused):
        write(moderator, publish_at=soon, expires_at=soon - dt.timedelta(minutes=1))
    assert not Bulletin.objects.exists()


def test_drafts_are_seen_by_writers_only(moderator, volunteer, police, officer, write):
    draft = write(moderator)
    for writer in (moderator, police, officer):
        assert Bulletin.objects.visible_to(writer).filter(pk=draft.pk).exists()
    assert not Bulletin.objects.visible_to(volunteer).exists()
