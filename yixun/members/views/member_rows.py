"""The members table's rows, written out in Python.

The roster is the page officers keep open, and a template node per cell of 100 rows cost
more than everything else on it (about 20 ms a page). Each row here is one format string;
every piece of text in it is escaped on the way in.
"""

from functools import lru_cache
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yixun.lib import phone as phones
from yixun.lib import resident_id
from yixun.members.models import ContactScope, Member, MemberSkill, Skill
from yixun.members.models.personal import ADULT_AGE

ROW = (
    '<tr data-member="{pk}">{pick}'
    '<td class="who"><a href="{url}"><strong>{name}</strong></a>{minor}</td>'
    '<td class="squad">{squad}</td>'
    '<td class="tel">{phone}</td>'
    '<td class="kind"><span class="badge">{kind}</span></td>'
    '<td class="status{active}"><span class="badge">{status}</span></td>'
    '<td class="joined">{joined}</td>'
    '<td class="badges">{badges}</td>'
    "</tr>"
)
PICK = (
    '<td class="pick"><label class="tap"><input type="checkbox" name="member" value="{pk}"'
    ' form="bulk-members" aria-label="{label}"></label></td>'
)
PHONE = '<a href="tel:{number}" class="phone">{shown}</a>'
BADGE = '<span class="badge{tone}">{text}</span>'

# What a row shows, read as plain values: no model instances for a page of a hundred.
FIELDS = (
    "pk",
    "kind",
    "status",
    "birth_date",
    "joined_on",
    "squad_id",
    "squad__name",
    "user_id",
    "user__name",
    "user__phone",
    "is_covered",
)

# Parsing a number to show it costs more than the rest of its row; a county has a few
# thousand numbers, and every officer's page shows the same ones.
display_phone = lru_cache(maxsize=8192)(phones.display)


def _skills_of(member_ids: list[int]) -> dict[int, str]:
    labels = dict(Skill.choices)
    found: dict[int, list[str]] = {}
    for member_id, skill, detail in MemberSkill.objects.filter(
        member_id__in=member_ids
    ).values_list("member_id", "skill", "detail"):
        label = str(labels.get(skill, skill))
        text = f"{label} ({detail})" if detail else label
        found.setdefault(member_id, []).append(BADGE.format(tone="", text=escape(text)))
    return {member_id: "".join(badges) for member_id, badges in found.items()}


def member_rows(
    members: list[dict[str, Any]], scope: ContactScope, *, choosing: bool
) -> SafeString:
    """The table body for one page of the roster: `roster_for(...).values(*FIELDS)`."""
    skills = _skills_of([member["pk"] for member in members])
    kinds = {value: escape(label) for value, label in Member.Kind.choices}
    statuses = {value: escape(label) for value, label in Member.Status.choices}
    minor = " " + BADGE.format(tone=" warn", text=escape(_("minor")))
    insured = BADGE.format(tone=" ok", text=escape(_("insured")))
    uninsured = BADGE.format(tone=" warn", text=escape(_("not insured")))
    choose = _("Choose %(name)s")
    link = reverse("members:member", args=[0]).removesuffix("0/")
    today = timezone.localdate()
    rows = []
    for member in members:
        pk, name, phone = member["pk"], member["user__name"], member["user__phone"]
        born = member["birth_date"]
        if member["is_covered"]:
            cover = insured
        else:
            cover = uninsured if member["kind"] == Member.Kind.CORE else ""
        rows.append(
            ROW.format(
                pk=pk,
                pick=PICK.format(pk=pk, label=escape(choose % {"name": name})) if choosing else "",
                url=f"{link}{pk}/",
                name=escape(name),
                minor=minor if born and resident_id.age_on(born, today) < ADULT_AGE else "",
                squad=escape(member["squad__name"] or ""),
                phone=PHONE.format(number=escape(phone), shown=escape(display_phone(phone)))
                if scope.covers_ids(user_id=member["user_id"], squad_id=member["squad_id"])
                else "",
                kind=kinds.get(member["kind"], ""),
                active=" active" if member["status"] == Member.Status.ACTIVE else "",
                status=statuses.get(member["status"], ""),
                joined=member["joined_on"].isoformat(),
                badges=cover + skills.get(pk, ""),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped or ours
