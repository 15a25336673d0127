import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.lib import generations
from yixun.members.models.choices import Skill
from yixun.members.models.personal import PersonalDetails

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CHINESE_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL = re.compile(r"[0-9０-９]+|[零〇一二两三四五六七八九十百]+")


def numeral_value(numeral: str) -> int:
    """The value of 七, 十, 十一, 二十三, 一百零五 or 12 (what squad names are numbered with)."""
    if numeral.isdigit():
        return int(numeral)
    total = current = 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CHINESE_DIGITS[char]
    return total + current


def squad_order(squad: "Squad") -> tuple[Any, ...]:
    """Town by town (in the order areas are listed), then by the squad's number: 一 < 二 < 十 < 十一.

    The number is the last numeral in the name, so that a town named 三河 still numbers its
    squads by 一, 二 and not by its own 三. Squads without an area come last.
    """
    numerals = NUMERAL.findall(squad.name)
    number = numeral_value(numerals[-1]) if numerals else 0
    area = squad.area if squad.area_id else None
    town = area.ancestor_ids() if area else []
    return (area is None, town, number, squad.name)


class SquadQuerySet(models.QuerySet["Squad"]):
    def in_natural_order(self) -> list["Squad"]:
        """Squads as people count them, not as the database sorts strings (一, 三, 二)."""
        return sorted(self.select_related("area"), key=squad_order)


class Squad(models.Model):
    """A patrol squad (小分队) with its leader and deputies."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="squads",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_squads",
    )
    deputies = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("deputies"), blank=True, related_name="deputy_of"
    )
    founded_on = models.DateField(_("founded"), default=timezone.localdate)

    objects = SquadQuerySet.as_manager()

    class Meta:
        verbose_name = _("squad")
        verbose_name_plural = _("squads")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def squads_led_by(user: Any) -> models.QuerySet[Squad]:
    """The squads a person leads or deputises for: the squads whose roster they manage.

    Only while they are an active member: a suspended or departed leader keeps the
    title until an officer appoints another, but not the roster and its numbers.
    """
    if not getattr(user, "is_authenticated", False):
        return Squad.objects.none()
    active = Member.objects.filter(user=user, status=MemberStatus.ACTIVE)
    return Squad.objects.filter(Q(leader=user) | Q(deputies=user)).filter(Exists(active)).distinct()


# How long a person's member record and the squads they lead are kept in the cache between
# page loads; a change to the member forgets them at once (`forget_membership`), a change to
# any squad or area forgets everyone's (the "people" generation).
MEMBERSHIP_CACHE_SECONDS = 60 * 60


def membership_key(user_id: Any) -> str:
    return f"members:of:{user_id}:{generations.current('people')}"


def forget_membership(user_id: Any) -> None:
    """Make the next page read this person's membership afresh, now and once the change
    commits (a page between the two could cache what the transaction is replacing)."""
    cache.delete(membership_key(user_id))
    transaction.on_commit(lambda: cache.delete(membership_key(user_id)))


def read_membership(user: Any) -> None:
    """Put the person's member record (with squad, area and leader) and the squads they lead on
    the user object, from the cache or else the database: every page a member opens needs
    them, and the cache spares two queries a page."""
    key = membership_key(user.pk)
    cached: tuple[Member | None, frozenset[int]] | None = cache.get(key)
    if cached is None:
        leading = Squad.objects.filter(Q(leader=user) | Q(deputies=user))
        found = (
            Member.objects.select_related("squad__area", "squad__leader")
            .annotate(leads=Exists(leading))
            .filter(user=user)
            .first()
        )
        # squads_led_by(user), with the member's standing in hand: a second query only for the
        # few who lead a squad.
        led = (
            frozenset(leading.values_list("pk", flat=True).distinct())
            if found is not None and found.status == MemberStatus.ACTIVE and found.leads
            else frozenset()
        )
        cached = (found, led)
        cache.set(key, cached, MEMBERSHIP_CACHE_SECONDS)
    member, led = cached
    user._state.fields_cache["membership"] = member
    if member is not None:
        member._state.fields_cache["user"] = user
    # An attribute, not the instance's __dict__: request.user is a lazy proxy.
    user._led_squad_ids = led


def member_of(user: Any) -> "Member | None":
    """The signed-in person's member record, with squad, area and leader; None for the public
    and for people who are not members. Any save of the member forgets the cached copy, so a
    view may hand it to a service as it would a row just read."""
    if not getattr(user, "is_authenticated", False):
        return None
    if "membership" not in user._state.fields_cache:
        read_membership(user)
    member: Member | None = user._state.fields_cache["membership"]
    return member


def led_squad_ids(user: Any) -> frozenset[int]:
    """The ids of `squads_led_by(user)`, read with the membership (`read_membership`)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, "_led_squad_ids"):
        read_membership(user)
    ids: frozenset[int] = user._led_squad_ids
    return ids


class MemberQuerySet(models.QuerySet["Member"]):
    def visible_to(self, user: Any) -> "MemberQuerySet":
        """Officers see every member; leaders and volunteers the members of their own squad
        (and leaders also those of squads they deputise for); everyone sees themselves;
        nobody else sees anyone. Which *fields* each may see is `can_see_contact`."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OFFICER):
            return self.all()
        own_squad = Member.objects.filter(
            user=user, squad__isnull=False, status=Member.Status.ACTIVE
        ).values("squad")
        managed = squads_led_by(user).values("pk")
        return self.filter(Q(squad__in=own_squad) | Q(squad__in=managed) | Q(user=user))

    def active(self) -> "MemberQuerySet":
        return self.filter(status=Member.Status.ACTIVE)

    def with_cover_on(self, day: Any) -> "MemberQuerySet":
        from yixun.members.models.insurance import Coverage

        covered = Coverage.objects.filter(
            member=OuterRef("pk"), policy__starts_on__lte=day, policy__ends_on__gte=day
        )
        return self.annotate(is_covered=Exists(covered))

    def in_pinyin_order(self) -> "MemberQuerySet":
        return self.order_by("user__name_pinyin", "pk")

    def roster_for(self, user: Any) -> "MemberQuerySet":
        """The roster a person may read, ready to show: names, squads, skills, cover today."""
        return (
            self.visible_to(user)
            .filter(erased_at__isnull=True)
            .select_related("user", "squad")
            .prefetch_related("skills")
            .with_cover_on(timezone.localdate())
        )

    def matching(
        self,
        *,
        query: str = "",
        search_phones: bool = False,
        squad: Any = None,
        kind: str = "",
        status: str = "",
        skill: str = "",
        occupation: str = "",
        insured: bool | None = None,
    ) -> "MemberQuerySet":
        """Search a roster (from roster_for): by name, its pinyin, and, for those who may see
        numbers, by four or more digits of one."""
        found = self
        if query := query.strip():
            condition = Q(user__name__icontains=query) | Q(
                user__name_pinyin__icontains=query.lower()
            )
            digits = "".join(ch for ch in query if ch.isdigit())
            if search_phones and len(digits) >= 4:
                condition |= Q(user__phone__contains=digits)
            found = found.filter(condition)
        for name, value in (
            ("squad", squad),
            ("kind", kind),
            ("status", status),
            ("occupation", occupation),
        ):
            if value:
                found = found.filter(**{name: value})
        if skill:
            found = found.filter(pk__in=MemberSkill.objects.filter(skill=skill).values("member"))
        if insured is not None:
            found = found.filter(**{"is_covered": insured})  # the annotation of with_cover_on
        return found


class MemberKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Participating volunteer")
    REGISTERED = "registered", _("Registered member")
    CORE = "core", _("Core member")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")


class Member(PersonalDetails):
    """A person's membership of the association: squad, kind, standing, and what they told us."""

    # Choices live at module level so that each has its own name in the API's schema.
    Kind = MemberKind
    Status = MemberStatus

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    squad = models.ForeignKey(
        Squad,
        verbose_name=_("squad"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VOLUNTEER)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    status_since = models.DateField(_("status since"), default=timezone.localdate)
    joined_on = models.DateField(_("joined"), default=timezone.localdate)
    partner = models.ForeignKey(
        "members.PartnerOrganisation",
        verbose_name=_("came through"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["volunteer", "registered", "core"]), name="member_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "left"]), name="member_status_known"
            ),
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="one_member_per_id_number",
            ),
        ]
        indexes = [models.Index(fields=["squad", "status"], name="member_squad_status_idx")]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def name(self) -> str:
        return self.user.name

    def skill_set(self) -> set[str]:
        return {entry.skill for entry in self.skills.all()}

    def is_covered_on(self, day: Any) -> bool:
        return self.coverages.filter(policy__starts_on__lte=day, policy__ends_on__gte=day).exists()


class ContactScope:
    """Whose phone numbers and emergency contacts a viewer may see: an officer everyone's, a
    leader or deputy their squad's, anyone their own. Read once, then asked per row."""

    def __init__(self, viewer: Any) -> None:
        signed_in = getattr(viewer, "is_authenticated", False) and viewer.is_active
        self.viewer_id = viewer.pk if signed_in else None
        self.everyone = bool(signed_in and has_role(viewer, Role.OFFICER))
        self.squads = (
            set()
            if self.everyone or not signed_in
            else set(squads_led_by(viewer).values_list("pk", flat=True))
        )

    def covers(self, member: "Member") -> bool:
        return self.covers_ids(user_id=member.user_id, squad_id=member.squad_id)

    def covers_ids(self, *, user_id: int, squad_id: int | None) -> bool:
        """The same answer for a row read as values: the member's user and squad ids."""
        if self.viewer_id is None:
            return False
        return self.everyone or user_id == self.viewer_id or squad_id in self.squads


def can_see_contact(viewer: Any, member: Member) -> bool:
    return ContactScope(viewer).covers(member)


class MemberSkill(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    detail = models.CharField(_("detail"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["member", "skill"], name="one_entry_per_skill")
        ]

    def __str__(self) -> str:
        label = self.get_skill_display()
        return f"{label} ({self.detail})" if self.detail else str(label)


class SquadTransfer(models.Model):
    """A move between squads; the history of who was where."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_squad = models.ForeignKey(
        Squad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_squad = models.ForeignKey(
        Squad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on = models.DateField(default=timezone.localdate)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_squad} → {self.to_squad}"


class StatusChange(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=12, choices=Member.Status.choices)
    on = models.DateField(default=timezone.localdate)
    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.status} on {self.on}"


class PartnerKind(models.TextChoices):
    LEGAL_AID = "legal_aid", _("Legal aid")
    VOLUNTEERS = "volunteers", _("Volunteers' federation")
    BLOOD = "blood", _("Blood donation")
    ENVIRONMENT = "environment", _("Environmental")
    OTHER = "other", _("Other")


class PartnerOrganisation(models.Model):
    """An organisation whose people join the patrols: legal aid, volunteers' federation …"""

    Kind = PartnerKind

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
