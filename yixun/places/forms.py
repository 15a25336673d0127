from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yixun.places.models import Area, Route, Site, areas_by_pk


class AreaField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Area.objects.all(), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + obj.name


class AnyAreaField(AreaField):
    """Any area, looked up among all areas as cached (`areas_by_pk`) rather than asked of the
    database: the calendar's filter, on the page the whole county opens at once."""

    def to_python(self, value: Any) -> Area | None:
        if value in self.empty_values:
            return None
        area = areas_by_pk().get(int(value)) if str(value).isdigit() else None
        if area is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return area


class SiteForm(forms.ModelForm[Site]):
    area = AreaField(label=_("Area"))

    class Meta:
        model = Site
        fields = [
            "name",
            "kind",
            "area",
            "address",
            "latitude",
            "longitude",
            "opening_hours",
            "watch_from",
            "watch_until",
            "is_active",
        ]
        widgets = {
            "watch_from": forms.TimeInput(attrs={"type": "time"}),
            "watch_until": forms.TimeInput(attrs={"type": "time"}),
        }


class RouteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Route.Kind.choices)
    setting = forms.ChoiceField(label=_("Setting"), choices=Route.Setting.choices)
    area = AreaField(label=_("Area"))
    stops = forms.ModelMultipleChoiceField(
        label=_("Sites along it, in order"),
        queryset=Site.objects.filter(is_active=True),
        required=False,
    )


class SiteFilterForm(forms.Form):
    area = AreaField(label=_("Area"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *Site.Kind.choices], required=False
    )
