"""The public's e-mail subscriptions, without an account: subscribe (a confirmation link is
mailed), confirm by that link, and unsubscribe by the link in every mail.

A link opened (GET) only shows a button: mail scanners that follow every link must neither
confirm nor end a subscription. The button's POST does it; so does a mail program's one-click
unsubscribe (RFC 8058), which carries no CSRF token."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from yixun.bulletins import followers
from yixun.bulletins.channels import email as channel
from yixun.bulletins.channels import push
from yixun.bulletins.models import Kind
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    areas = forms.ModelMultipleChoiceField(
        label=_("Towns and streets"),
        queryset=followers.followable_areas(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every area."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every kind."),
    )


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel.subscribe(
                email=form.cleaned_data["email"],
                areas=form.cleaned_data["areas"],
                kinds=form.cleaned_data["kinds"],
                address=client_address(request),
                language=get_language(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return render(
                request,
                "bulletins/subscribe.html",
                {"form": form, **_browser()},
                status=error.status,
            )
        return render(
            request, "bulletins/subscribe_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "bulletins/subscribe.html", {"form": form, **_browser()})


def _browser() -> dict[str, str]:
    """The "in this browser" button, on a site that has browser notifications set up."""
    if not push.is_configured():
        return {}
    return {"public_push_key": settings.YIXUN_VAPID_PUBLIC_KEY}


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "bulletins/subscribe_invalid.html", status=404)


def _shown(asked: channel.Request) -> dict[str, object]:
    return {
        "email": asked.subscriber.email,
        "areas": asked.areas,
        "kinds": [Kind(kind).label for kind in asked.kinds],
    }


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    asked = channel.read_confirmation(token)
    if asked is None:
        return _invalid(request)
    if request.method == "POST":
        channel.confirm_subscription(token=token)
        return render(request, "bulletins/subscribe_confirmed.html", _shown(asked))
    return render(request, "bulletins/subscribe_confirm.html", _shown(asked))


@csrf_exempt  # RFC 8058: the mail program posts with no token; it stops only this link's mails
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    address = channel.stopping(token)
    if address is None:
        return _invalid(request)
    if request.method == "POST":
        channel.unsubscribe(token=token)
        return render(request, "bulletins/subscribe_stopped.html", {"address": address})
    return render(request, "bulletins/subscribe_stop.html", {"address": address})
