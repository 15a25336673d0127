from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from yixun.public.models import TEXT_LIMIT, PublicSite
from yixun.stats.figures import FIGURES


class PublicSiteForm(forms.Form):
    intro = forms.CharField(
        label=capfirst(PublicSite._meta.get_field("intro").verbose_name),
        help_text=PublicSite._meta.get_field("intro").help_text,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    about_extra = forms.CharField(
        label=capfirst(PublicSite._meta.get_field("about_extra").verbose_name),
        help_text=PublicSite._meta.get_field("about_extra").help_text,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact = forms.CharField(
        label=capfirst(PublicSite._meta.get_field("contact").verbose_name),
        help_text=PublicSite._meta.get_field("contact").help_text,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    figures = forms.MultipleChoiceField(
        label=_("Figures shown to the public"),
        help_text=_("Counted from the records for the year; shown on the home page and by year."),
        required=False,
        choices=[(figure.name, figure.label) for figure in FIGURES],
        widget=forms.CheckboxSelectMultiple,
    )
