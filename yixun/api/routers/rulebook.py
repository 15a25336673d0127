"""The association's rules: public to read, officers publish, members accept the notice."""

import datetime as dt

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from yixun.api.auth import OFFICERS
from yixun.api.schemas import ERRORS, BodyIn, Id, text
from yixun.members.models import (
    DocumentKind,
    RulebookDocument,
    RulebookVersion,
    current_notice,
    has_accepted,
)
from yixun.members.services import rulebook

router = Router(tags=["rulebook"])


class VersionOut(Schema):
    id: int
    number: int
    body: str = Field(description="Markdown")
    html: str = Field(description="The Markdown rendered and sanitised")
    change_note: str
    published_at: dt.datetime


class DocumentOut(Schema):
    id: int
    kind: DocumentKind
    title: str
    current: VersionOut | None
    versions: list[int] = Field(description="Version numbers, newest first")


def version_out(version: RulebookVersion) -> VersionOut:
    return VersionOut(
        id=version.pk,
        number=version.number,
        body=version.body,
        html=version.html(),
        change_note=version.change_note,
        published_at=version.published_at,
    )


def document_out(document: RulebookDocument) -> DocumentOut:
    versions = sorted(document.versions.all(), key=lambda v: -v.number)
    return DocumentOut(
        id=document.pk,
        kind=DocumentKind(document.kind),
        title=document.title,
        current=version_out(versions[0]) if versions else None,
        versions=[v.number for v in versions],
    )


@router.get("/rulebook", auth=None, response={200: list[DocumentOut], **ERRORS})
def list_documents(request: HttpRequest) -> list[DocumentOut]:
    """The published rules, each with its current text (public)."""
    return [
        document_out(d) for d in RulebookDocument.objects.published().prefetch_related("versions")
    ]


@router.get("/rulebook/{document_id}", auth=None, response={200: DocumentOut, **ERRORS})
def get_document(request: HttpRequest, document_id: Id) -> DocumentOut:
    document = get_object_or_404(
        RulebookDocument.objects.published().prefetch_related("versions"), pk=document_id
    )
    return document_out(document)


@router.get(
    "/rulebook/{document_id}/versions/{number}", auth=None, response={200: VersionOut, **ERRORS}
)
def get_version(request: HttpRequest, document_id: Id, number: Id) -> VersionOut:
    return version_out(get_object_or_404(RulebookVersion, document_id=document_id, number=number))


class PublishIn(BodyIn):
    body: str = text(max_length=50_000, least=1, description="Markdown")
    change_note: str = Field("", max_length=200)


@router.post(
    "/rulebook/{document_id}/versions", auth=OFFICERS, response={201: VersionOut, **ERRORS}
)
def publish(request: HttpRequest, document_id: Id, payload: PublishIn) -> Status[VersionOut]:
    """Publish a new version (officers). A new membership notice goes to every member. The same
    text as the current version is 409 `unchanged`."""
    document = get_object_or_404(RulebookDocument, pk=document_id)
    version = rulebook.publish_version(
        document=document, body=payload.body, change_note=payload.change_note, actor=request.user
    )
    return Status(201, version_out(version))


class NoticeStateOut(Schema):
    version: VersionOut | None
    accepted: bool


@router.get("/rulebook/notice/state", response={200: NoticeStateOut, **ERRORS})
def notice_state(request: HttpRequest) -> NoticeStateOut:
    """The current membership notice, and whether the caller has accepted it."""
    version = current_notice()
    return NoticeStateOut(
        version=version_out(version) if version else None,
        accepted=bool(version and has_accepted(request.user, version)),
    )


@router.post("/rulebook/notice/accept", response={200: NoticeStateOut, **ERRORS})
def accept(request: HttpRequest) -> NoticeStateOut:
    """Accept the current membership notice."""
    version = current_notice()
    if version is None:
        raise Http404
    rulebook.accept_notice(user=request.user, version=version)
    return NoticeStateOut(version=version_out(version), accepted=True)
