import math
from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role
from yixun.bulletins.models import (
    Bulletin,
    BulletinPhoto,
    Certainty,
    Kind,
    Preference,
    Severity,
    Urgency,
)
from yixun.bulletins.services import MOST_PHOTOS
from yixun.lib.images import clean_photo
from yixun.members.models import Squad
from yixun.places.models import Area

LOCAL_TIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BLANK: list[tuple[str, Any]] = [("", "—")]
MOST_CORNERS = 100  # a hand-drawn area; a CAP reader chokes on thousands of points


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Several images in one input (Django's "Uploading multiple files"): a list, maybe empty."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        one = super().clean  # not in the comprehension: Python 3.11 has no class cell there
        return [one(upload, initial) for upload in files]


class PhotoChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: BulletinPhoto) -> str:
        return format_html(
            '<img class="thumb" src="{}" alt="{}" height="80">', obj.get_absolute_url(), _("Photo")
        )


class BulletinForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: a blank line between paragraphs, **bold**, - for a list."),
    )
    photos = PhotosField(label=_("Photos"), required=False)
    remove_photos = PhotoChoiceField(
        label=_("Remove these photos"),
        queryset=BulletinPhoto.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    last_seen_at = forms.DateTimeField(
        label=_("Last seen at"),
        required=False,
        widget=LOCAL_TIME,
        help_text=_("Urgent alerts: when the missing person was last seen."),
    )
    last_seen_place = forms.CharField(
        label=_("Last seen where"),
        max_length=200,
        required=False,
        help_text=_("Urgent alerts: where the missing person was last seen."),
    )
    to_public = forms.BooleanField(label=_("The public (and every member)"), required=False)
    to_members = forms.BooleanField(label=_("All members"), required=False)
    squads = forms.ModelMultipleChoiceField(
        label=_("Squads"),
        queryset=Squad.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.exclude(level=Area.Level.COMMUNITY),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The squads of an area and of every place in it."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    publish_at = forms.DateTimeField(
        label=_("Goes out at"),
        required=False,
        widget=LOCAL_TIME,
        help_text=_("Empty: as soon as it is approved."),
    )
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False, widget=LOCAL_TIME)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=BLANK + Severity.choices, required=False
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=BLANK + Urgency.choices, required=False)
    certainty = forms.ChoiceField(
        label=_("Certainty"), choices=BLANK + Certainty.choices, required=False
    )
    area_description = forms.CharField(label=_("Area concerned"), max_length=200, required=False)
    circle_latitude = forms.FloatField(
        label=_("Centre latitude"), min_value=-90, max_value=90, required=False
    )
    circle_longitude = forms.FloatField(
        label=_("Centre longitude"), min_value=-180, max_value=180, required=False
    )
    circle_radius_km = forms.FloatField(
        label=_("Radius (km)"), min_value=0.01, max_value=1000, required=False
    )
    # Drawn on the map by tapping its corners (area-map.js): [[latitude, longitude], ...] in
    # WGS-84, as CAP has it. Hidden: without JavaScript the circle's fields are the way.
    polygon = forms.JSONField(
        label=_("Polygon"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("The polygon could not be read: draw it again on the map.")},
    )

    def __init__(self, *args: Any, bulletin: Bulletin | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Here, not on the field: the number is put in once the reader's language is known.
        self.fields["photos"].help_text = _("Up to %(most)d photos; choose several at once.") % {
            "most": MOST_PHOTOS
        }
        remove = self.fields["remove_photos"]
        if bulletin is not None and bulletin.pk:
            remove.queryset = bulletin.photos.all()  # type: ignore[attr-defined]
        else:
            del self.fields["remove_photos"]

    @classmethod
    def for_bulletin(cls, bulletin: Bulletin) -> "BulletinForm":
        fields = (
            "kind", "title", "body", "to_public", "to_members", "roles", "publish_at",
            "expires_at", "severity", "urgency", "certainty", "area_description",
            "circle_latitude", "circle_longitude", "circle_radius_km", "last_seen_at",
            "last_seen_place",
        )  # fmt: skip
        initial = {name: getattr(bulletin, name) for name in fields}
        initial["polygon"] = bulletin.polygon or None
        initial["squads"] = list(bulletin.squads.all())
        initial["areas"] = list(bulletin.areas.all())
        return cls(initial=initial, bulletin=bulletin)

    def clean_photos(self) -> list[Any]:
        uploads = self.cleaned_data.get("photos") or []
        if len(uploads) > MOST_PHOTOS:  # before reading them all: the service says it again
            raise forms.ValidationError(
                _("A bulletin may have at most %(most)d photos."),
                code="too_many_photos",
                params={"most": MOST_PHOTOS},
            )
        # Upright, shrunk, without EXIF or GPS.
        return [clean_photo(upload).content for upload in uploads]

    def clean_polygon(self) -> list[list[float]]:
        """The corners as a closed ring, or [] for no polygon."""
        return closed_polygon(self.cleaned_data.get("polygon"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        circle = [
            data.get(name) for name in ("circle_latitude", "circle_longitude", "circle_radius_km")
        ]
        if any(value is not None for value in circle) and None in circle:
            raise forms.ValidationError(
                _("A circle needs its centre's latitude and longitude and its radius.")
            )
        if data.get("polygon") and None not in circle:
            # An urgent alert's circle decides who it reaches (`Bulletin.is_targeted`): a
            # polygon beside it would be shown but not obeyed.
            raise forms.ValidationError(_("Give the area as a circle or as a polygon, not both."))
        return data

    def cap(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in (
                "severity", "urgency", "certainty", "area_description",
                "circle_latitude", "circle_longitude", "circle_radius_km", "polygon",
            )
        }  # fmt: skip


def _corner(point: Any) -> tuple[float, float]:
    """One [latitude, longitude] pair in WGS-84's ranges, or ValidationError."""
    if not isinstance(point, list | tuple) or len(point) != 2:
        raise forms.ValidationError(
            _("Each corner of the polygon is a latitude and a longitude."), code="corner"
        )
    lat, lon = point
    for value in (lat, lon):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise forms.ValidationError(
                _("Each corner of the polygon is a latitude and a longitude."), code="corner"
            )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise forms.ValidationError(
            _("A corner of the polygon lies outside the earth's latitudes and longitudes."),
            code="range",
        )
    return float(lat), float(lon)


def closed_polygon(value: Any) -> list[list[float]]:
    """Posted corners as CAP's closed ring: at least three distinct corners, at most
    `MOST_CORNERS`, the first repeated last. Nothing (None, "", []) is no polygon."""
    if value in (None, "", []):
        return []
    if not isinstance(value, list):
        raise forms.ValidationError(
            _("The polygon could not be read: draw it again on the map."), code="invalid"
        )
    corners = [_corner(point) for point in value]
    if len(corners) > 1 and corners[0] == corners[-1]:
        corners.pop()  # closed already
    if len(set(corners)) < 3:
        raise forms.ValidationError(
            _("A polygon needs at least three different corners."), code="too_few"
        )
    if len(corners) > MOST_CORNERS:
        raise forms.ValidationError(
            _("A polygon may have at most %(most)d corners."),
            code="too_many",
            params={"most": MOST_CORNERS},
        )
    return [[lat, lon] for lat, lon in [*corners, corners[0]]]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=500)


class CorrectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    note = forms.CharField(label=_("What changed"), max_length=500)


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Besides the inbox, also by"),
        choices=Preference.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every kind. Urgent alerts come by every channel you chose."),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    quiet_from = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_until = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_(
            "Nothing but urgent alerts rings in these hours; the rest waits until they end."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "email" in data.get("channels", []) and not data.get("email"):
            self.add_error("email", _("Give the address to send e-mail to."))
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            self.add_error("quiet_until", _("Give both ends of the quiet hours, or neither."))
        return data
