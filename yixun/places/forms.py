from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yixun.places.models import Area, Route, Site


class AreaField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Area.objects.all(), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + obj.name


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
