"""The association's written rules: documents, their published versions, and acceptance."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yixun.audit import services as audit
from yixun.members.models import NoticeAcceptance, RulebookDocument, RulebookVersion
from yixun.members.services.errors import MembershipConflict, MembershipError
from yixun.members.services.roster import _require_officer


def create_document(*, kind: str, title: str, actor: Any) -> RulebookDocument:
    _require_officer(actor)
    if kind not in RulebookDocument.Kind.values:
        raise MembershipError(_("There is no such kind of document."), code="unknown_kind")
    try:
        with transaction.atomic():
            document = RulebookDocument.objects.create(kind=kind, title=title.strip())
            audit.record(
                actor=actor,
                action="members.rulebook_document.created",
                target=document,
                data={"kind": kind},
            )
    except IntegrityError:
        raise MembershipConflict(
            _("The association has this document already; publish a new version of it instead."),
            code="document_exists",
        ) from None
    return document


def publish_version(
    *, document: RulebookDocument, body: str, change_note: str, actor: Any
) -> RulebookVersion:
    """Publish a new text. A new membership notice is put to every member at their next sign-in."""
    _require_officer(actor)
    if not body.strip():
        raise MembershipError(_("The text is empty."), code="empty")
    with transaction.atomic():
        # Lock the document so that two officers publishing at once get consecutive numbers.
        RulebookDocument.objects.select_for_update().filter(pk=document.pk).first()
        latest = document.versions.aggregate(latest=Max("number"))["latest"] or 0
        current = document.versions.filter(number=latest).first()
        if current is not None and current.body.strip() == body.strip():
            raise MembershipConflict(  # the same text again: a clash with what is there
                _("The text is the same as the current version."), code="unchanged"
            )
        version = RulebookVersion.objects.create(
            document=document,
            number=latest + 1,
            body=body,
            change_note=change_note.strip(),
            published_by=actor,
        )
        audit.record(
            actor=actor,
            action="members.rulebook_version.published",
            target=version,
            data={"version": version.number},
        )
    return version


def accept_notice(*, user: Any, version: RulebookVersion) -> NoticeAcceptance:
    with transaction.atomic():
        acceptance, created = NoticeAcceptance.objects.get_or_create(user=user, version=version)
        if created:
            audit.record(
                actor=user,
                action="members.rulebook_version.accepted",
                target=version,
                data={"version": version.number},
            )
    return acceptance
