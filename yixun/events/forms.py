"""The forms of the events' staff and officers: the event itself, cancelling it, the door, the
report and its photos, and the duty shift that staffs it."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.models import User
from yixun.events.models import Audience, Event, EventKind, EventStatus
from yixun.members.models import Member, PartnerOrganisation, Skill, Squad
from yixun.places.forms import AreaField
from yixun.shifts.models import ShiftKind

LOCAL_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BLANK: list[tuple[str, Any]] = [("", "—")]
SIX_PLACES = Decimal("0.000001")  # the model keeps six decimals: about 10 cm
# The fields of the form that are the event's own, passed to save_event as they are.
PLAIN = (
    "kind", "title", "description", "starts_at", "ends_at", "place_name", "address",
    "latitude", "longitude", "area", "squad", "capacity", "audience", "grants_skill",
    "grants_briefing", "status",
)  # fmt: skip


class StaffField(forms.ModelMultipleChoiceField):
    """Door staff, ticked by name: each label says the squad, so that two 张伟 are told apart."""

    def label_from_instance(self, obj: User) -> str:
        member = getattr(obj, "membership", None)
        squad = member.squad if member is not None and member.squad_id else None
        return f"{obj.name} · {squad.name}" if squad else obj.name


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: a blank line between paragraphs, **bold**, - for a list."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL_TIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL_TIME)
    place_name = forms.CharField(
        label=_("Place"),
        max_length=100,
        help_text=_("As people know it: 城关派出所, 文化广场 …"),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    # WGS-84, as the model keeps them; the map (events.js) converts from the tiles' datum.
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    capacity = forms.IntegerField(
        label=_("Number of places"),
        min_value=1,
        max_value=100000,
        help_text=_("Registered places; walk-ins at the door come on top."),
    )
    audience = forms.ChoiceField(
        label=_("Open to"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        initial=Audience.PUBLIC,
    )
    squads = forms.ModelMultipleChoiceField(
        label=_("Squads invited"),
        queryset=Squad.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the event is for some squads only."),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Co-organised with"),
        queryset=PartnerOrganisation.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = StaffField(
        label=_("Door staff"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They check people in and write the report. Officers, and members on the event's"
            " duty shifts, may do so too."
        ),
    )
    area = AreaField(label=_("Area"), required=False)
    squad = forms.ModelChoiceField(
        label=_("Organising squad"),
        queryset=Squad.objects.order_by("name"),
        required=False,
        help_text=_("The figures count the event there."),
    )
    grants_skill = forms.ChoiceField(
        label=_("Grants the skill"), choices=BLANK + Skill.choices, required=False
    )
    grants_briefing = forms.ChoiceField(
        label=_("Grants the safety briefing for"),
        choices=BLANK + ShiftKind.choices,
        required=False,
        help_text=_("Attending counts as having acknowledged the current briefing."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (EventStatus.DRAFT, _("Draft: only officers see it")),
            (EventStatus.PUBLISHED, _("Published")),
        ],
        widget=forms.RadioSelect,
        initial=EventStatus.PUBLISHED,
    )

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = list(event.staff.values_list("pk", flat=True)) if event and event.pk else []
        # Active members, and whoever is staff already (a member since gone stays until unticked).
        staff = self.fields["staff"]
        staff.queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                Q(membership__status=Member.Status.ACTIVE) | Q(pk__in=chosen), is_active=True
            )
            .select_related("membership__squad")
            .order_by("name", "pk")
        )
        if event is not None and event.status == EventStatus.CANCELLED:
            del self.fields["status"]  # cancelled is cancelled: the form does not undo it

    @classmethod
    def for_event(cls, event: Event) -> "EventForm":
        initial: dict[str, Any] = {name: getattr(event, name) for name in PLAIN}
        initial["starts_at"] = timezone.localtime(event.starts_at)
        initial["ends_at"] = timezone.localtime(event.ends_at)
        initial["squads"] = list(event.squads.all())
        initial["partners"] = list(event.partners.all())
        initial["staff"] = list(event.staff.all())
        return cls(initial=initial, event=event)

    def clean_latitude(self) -> Decimal | None:
        return _six(self.cleaned_data.get("latitude"))

    def clean_longitude(self) -> Decimal | None:
        return _six(self.cleaned_data.get("longitude"))

    def values(self) -> dict[str, Any]:
        """What save_event takes: the event's fields, and the squads, partners and staff."""
        data = self.cleaned_data
        values = {name: data[name] for name in PLAIN if name in data}
        values["squads"] = list(data["squads"])
        values["partners"] = list(data["partners"])
        values["staff"] = list(data["staff"])
        return values


def _six(value: float | None) -> Decimal | None:
    """A coordinate as the model stores it, however many digits a phone's position gave."""
    return None if value is None else Decimal(str(value)).quantize(SIX_PLACES)


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone registered or waiting is told this."),
    )


class TicketCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Ticket code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "autocorrect": "off",
                "spellcheck": "false",
                "inputmode": "text",
                "enterkeyhint": "go",
                "autofocus": True,
                "class": "ticket-code",
                "placeholder": "ABC123",
            }
        ),
    )


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class ReportForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, for the association's records. Markdown."),
    )
    people_reached = forms.IntegerField(
        label=_("People reached"),
        min_value=0,
        max_value=1000000,
        required=False,
        help_text=_(
            "Empty: the people let in at the door. A campaign on the street counts everyone"
            " the stand spoke to."
        ),
    )


class PhotoForm(forms.Form):
    image = forms.ImageField(
        label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class DutyShiftForm(forms.Form):
    people = forms.IntegerField(
        label=_("People on duty"),
        min_value=1,
        max_value=200,
        help_text=_(
            "An event-duty shift in the calendar for the event's time and area: members claim"
            " it, keep the door and earn their hours."
        ),
    )
