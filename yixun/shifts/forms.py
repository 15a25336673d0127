import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.lib.days import DayField
from yixun.members.models import Skill, Squad
from yixun.places.forms import AnyAreaField, AreaField
from yixun.places.models import Route, Site
from yixun.shifts.models import PoliceForce, ShiftKind
from yixun.shifts.models.planning import WEEKDAY_NAMES

WEEKDAYS = list(enumerate(WEEKDAY_NAMES))
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# "From" and "Until" alone are the date filters' words (起始日期): a time of day says so.
TIME_FROM = _("Start time")
TIME_UNTIL = _("End time")


class WeekdayBoxes(forms.CheckboxSelectMultiple):
    """Seven boxes in a row that wraps between days, never inside a name."""

    def __init__(self) -> None:
        super().__init__(attrs={"class": "weekday-boxes"})


class CalendarFilterForm(forms.Form):
    area = AnyAreaField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *ShiftKind.choices], required=False
    )
    open = forms.BooleanField(label=_("Only with free places"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class SkillNeedsField(forms.CharField):
    """Skills a shift needs, typed as "driving:1, first_aid:1" or ticked."""

    def clean(self, value: Any) -> dict[str, int]:
        text = super().clean(value) or ""
        needs: dict[str, int] = {}
        for part in text.replace("，", ",").split(","):
            if not part.strip():
                continue
            skill, _sep, count = part.partition(":")
            skill = skill.strip()
            if skill not in Skill.values:
                raise ValidationError(_("Unknown skill “%(skill)s”.") % {"skill": skill})
            try:
                needs[skill] = int(count or 1)
            except ValueError:
                raise ValidationError(
                    _("Write the number of people after a colon, e.g. driving:1.")
                ) from None
        return needs


class ShiftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ShiftKind.choices)
    day = DayField(label=_("Day"))
    starts = forms.TimeField(label=TIME_FROM, widget=TIME)
    ends = forms.TimeField(
        label=TIME_UNTIL, widget=TIME, help_text=_("An end before the start is the next day.")
    )
    area = AreaField(label=_("Area"), required=False)
    route = forms.ModelChoiceField(label=_("Route"), queryset=Route.objects.all(), required=False)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.filter(is_active=True), required=False
    )
    min_people = forms.IntegerField(label=_("At least"), min_value=0, max_value=200, initial=2)
    capacity = forms.IntegerField(label=_("At most"), min_value=1, max_value=200, initial=4)
    required_skills = SkillNeedsField(
        label=_("Skills needed"), required=False, help_text=_("e.g. driving:1, first_aid:1")
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def shift_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        starts_at = timezone.make_aware(dt.datetime.combine(data["day"], data["starts"]))
        end_day = (
            data["day"] if data["ends"] > data["starts"] else data["day"] + dt.timedelta(days=1)
        )
        return {
            "kind": data["kind"],
            "starts_at": starts_at,
            "ends_at": timezone.make_aware(dt.datetime.combine(end_day, data["ends"])),
            "area": data["area"],
            "route": data["route"],
            "site": data["site"],
            "min_people": data["min_people"],
            "capacity": data["capacity"],
            "required_skills": data["required_skills"],
            "notes": data["notes"],
        }


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=ShiftKind.choices)
    area = AreaField(label=_("Area"), required=False)
    route = forms.ModelChoiceField(label=_("Route"), queryset=Route.objects.all(), required=False)
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites (a shift at each)"),
        queryset=Site.objects.filter(is_active=True),
        required=False,
    )
    squad = forms.ModelChoiceField(
        label=_("For squad"), queryset=Squad.objects.all(), required=False
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=WeekdayBoxes(),
    )
    school_days_only = forms.BooleanField(label=_("School days only"), required=False)
    slots = forms.CharField(
        label=_("Times"), help_text=_("One or more, e.g. 07:10-08:00, 16:30-17:30"), max_length=200
    )
    min_people = forms.IntegerField(label=_("At least"), min_value=0, max_value=200, initial=2)
    capacity = forms.IntegerField(label=_("At most"), min_value=1, max_value=200, initial=4)
    required_skills = SkillNeedsField(label=_("Skills needed"), required=False)
    starts_on = DayField(label=_("From"))
    ends_on = DayField(label=_("Until"), required=False)
    weeks_ahead = forms.IntegerField(label=_("Weeks ahead"), min_value=1, max_value=26, initial=8)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_slots(self) -> list[list[str]]:
        slots = []
        for part in self.cleaned_data["slots"].replace("，", ",").split(","):
            if not part.strip():
                continue
            start, _sep, end = part.replace("–", "-").replace("—", "-").partition("-")
            try:
                slots.append(
                    [
                        dt.time.fromisoformat(start.strip()).isoformat("minutes"),
                        dt.time.fromisoformat(end.strip()).isoformat("minutes"),
                    ]
                )
            except ValueError:
                raise ValidationError(_("Write each time as 07:10-08:00.")) from None
        if not slots:
            raise ValidationError(_("Give at least one time."))
        return slots


class ReserveDayForm(forms.Form):
    day = DayField(label=_("Day"))
    area = AreaField(label=_("Area"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason, sent to the people on it"), max_length=200)


class CoverageForm(forms.Form):
    area = AreaField(label=_("Area"), required=False)
    week = DayField(label=_("Week of"), required=False)


class PolicePatrolForm(forms.Form):
    force = forms.ChoiceField(label=_("Force"), choices=PoliceForce.choices)
    area = AreaField(label=_("Area"), required=False)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.filter(is_active=True), required=False
    )
    route = forms.ModelChoiceField(label=_("Route"), queryset=Route.objects.all(), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, coerce=int, widget=WeekdayBoxes()
    )
    starts = forms.TimeField(label=TIME_FROM, widget=TIME)
    ends = forms.TimeField(label=TIME_UNTIL, widget=TIME)
    valid_from = DayField(label=_("Valid from"))
    valid_until = DayField(label=_("Valid until"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=200, required=False)


class TermForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    starts_on = DayField(label=_("First day"))
    ends_on = DayField(label=_("Last day"))


class BriefingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of shift"), choices=ShiftKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 10}))


class RulesForm(forms.Form):
    release_deadline_hours = forms.IntegerField(
        label=_("Release without the leader until (hours before)"), min_value=0, max_value=168
    )
    uninsured_no_night = forms.BooleanField(
        label=_("Core members without cover may not take night shifts"), required=False
    )
    uninsured_no_special = forms.BooleanField(
        label=_("Core members without cover may not take special operations"), required=False
    )
    night_starts = forms.TimeField(label=_("Night starts"), widget=TIME)
    night_ends = forms.TimeField(label=_("Night ends"), widget=TIME)
    newcomer_patrols = forms.IntegerField(
        label=_("A newcomer's first patrols that need an experienced member"),
        min_value=0,
        max_value=50,
    )
    experienced_patrols = forms.IntegerField(
        label=_("Patrols that make a member experienced"), min_value=1, max_value=500
    )
    remind_evening_at = forms.TimeField(label=_("Evening reminder, the day before"), widget=TIME)
    remind_minutes_before = forms.IntegerField(
        label=_("Last reminder (minutes before)"), min_value=0, max_value=1440
    )
