"""Members in from Excel: every row checked first, then all of them written, or none."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.backends import forget_user
from yixun.accounts.models import RoleGrant, User
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.lib.locks import serialize
from yixun.lib.text import pinyin_key
from yixun.members.models import Member, MemberSkill
from yixun.members.models.members import forget_membership
from yixun.members.services.excel.reading import (
    CellError,
    ImportRejected,
    Row,
    _read,
    _validate,
)
from yixun.members.services.roster import _require_officer, move_member

UPDATED_FIELDS = ["kind", "occupation", "emergency_name", "emergency_phone", "joined_on"]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def import_roster(*, data: bytes, actor: Any, filename: str = "") -> ImportResult:
    _require_officer(actor)
    rows = _read(data)
    parsed, errors = _validate(rows)
    if errors:
        raise ImportRejected(errors)
    return _write(parsed, actor=actor, filename=filename)


def _write(rows: list[Row], *, actor: Any, filename: str) -> ImportResult:
    try:
        with transaction.atomic():
            # One import at a time: two at once would both create the same new people.
            serialize("members.roster.import")
            return _apply(rows, actor=actor, filename=filename)
    except IntegrityError:  # an application was approved with one of these numbers meanwhile
        raise ImportRejected(
            [
                CellError(
                    0,
                    "",
                    _(
                        "The roster changed while importing. Nothing was imported; import the file again."
                    ),
                )
            ]
        ) from None


def _kept(stored: str, read: str) -> str:
    """The text read from a cell, or the member's own when the cell is empty or differs only by
    the spaces, tabs and returns around it that the import trims: those are no change."""
    return stored if not read or stored.strip() == read else read


def _apply(rows: list[Row], *, actor: Any, filename: str) -> ImportResult:
    existing = {
        m.id_number_digest: m
        for m in Member.objects.select_for_update(
            of=("self",)
        )  # squad may be null: lock members only
        .filter(id_number_digest__in=[r.digest for r in rows])
        .select_related("user", "squad")
        .prefetch_related("skills")
    }
    new_rows = [r for r in rows if r.digest not in existing]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(phone=r.phone, name=r.name, name_pinyin=pinyin_key(r.name), password=unusable)
            for r in new_rows
        ],
        batch_size=500,
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.VOLUNTEER, granted_by=actor) for u in users], batch_size=1000
    )
    created = []
    for row, user in zip(new_rows, users, strict=True):
        member = Member(
            user=user,
            squad=row.squad,
            kind=row.kind or Member.Kind.VOLUNTEER,
            occupation=row.occupation,
            emergency_name=row.emergency_name,
            emergency_phone=row.emergency_phone,
            joined_on=row.joined_on or timezone.localdate(),
        )
        member.set_id_number(row.id_number)
        created.append(member)
    Member.objects.bulk_create(created, batch_size=500)
    MemberSkill.objects.bulk_create(
        [
            MemberSkill(member=m, skill=s, detail=d)
            for m, row in zip(created, new_rows, strict=True)
            for s, d in row.skills
        ],
        batch_size=1000,
    )

    unchanged = 0
    changed_users, changed_members, reskilled, moves, changes = [], [], [], [], []
    for row in rows:
        found = existing.get(row.digest)
        if found is None:
            continue
        member = found
        # An empty cell keeps what the member has; a filled one replaces it.
        fields = {
            "kind": row.kind or member.kind,
            "occupation": row.occupation or member.occupation,
            "emergency_name": _kept(member.emergency_name, row.emergency_name),
            "emergency_phone": row.emergency_phone or member.emergency_phone,
            "joined_on": row.joined_on or member.joined_on,
        }
        changed = [name for name, value in fields.items() if getattr(member, name) != value]
        user_name = _kept(member.user.name, row.name)
        if (member.user.name, member.user.phone) != (user_name, row.phone):
            changed += [
                field
                for field, value in (("name", user_name), ("phone", row.phone))
                if getattr(member.user, field) != value
            ]
            member.user.name, member.user.phone, member.user.name_pinyin = (
                user_name,
                row.phone,
                pinyin_key(user_name),
            )
            changed_users.append(member.user)
        skills = {(entry.skill, entry.detail.strip()) for entry in member.skills.all()}
        if row.skills and skills != set(row.skills):
            changed.append("skills")
            reskilled.append((member, row.skills))
        moved = row.squad is not None and row.squad.pk != member.squad_id
        if moved:
            moves.append((member, row.squad))
        if not changed and not moved:
            unchanged += 1
            continue
        for name, value in fields.items():
            setattr(member, name, value)
        if changed:
            changed_members.append(member)
            changes.append((member, {"fields": changed}))
    User.objects.bulk_update(changed_users, ["name", "phone", "name_pinyin"], batch_size=500)
    Member.objects.bulk_update(changed_members, UPDATED_FIELDS, batch_size=500)
    for user_id in {u.pk for u in changed_users} | {m.user_id for m in changed_members}:
        forget_user(user_id)  # bulk_update sends no signal
        forget_membership(user_id)
    MemberSkill.objects.filter(member__in=[m for m, _skills in reskilled]).delete()
    MemberSkill.objects.bulk_create(
        [MemberSkill(member=m, skill=s, detail=d) for m, skills in reskilled for s, d in skills],
        batch_size=1000,
    )
    for member, squad in moves:  # rare, and each one is news to the member and to two squads
        move_member(member=member, to_squad=squad, reason=_("roster import"), actor=actor)
    audit.record_many(actor=actor, action="members.member.imported", entries=changes)
    updated = len({m.pk for m in changed_members} | {m.pk for m, _squad in moves})
    result = ImportResult(created=len(created), updated=updated, unchanged=unchanged)
    audit.record(
        actor=actor,
        action="members.roster.imported",
        data={
            "file": filename[:100],
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result
