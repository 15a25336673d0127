"""The public side: report a tip (anonymous unless the reporter chooses), and follow it by its
tracking code, answering the moderators' questions, without an account."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.places.services import from_map, map_centre
from yixun.tips import captcha
from yixun.tips.forms import AnswerForm, LookUpForm, ReportForm
from yixun.tips.models import Tip
from yixun.tips.services import intake, triage
from yixun.tips.services.errors import TooMany
from yixun.tips.services.tracking import look_up, reporter_view, tip_for_code


def report(request: HttpRequest) -> HttpResponse:
    address = client_address(request)
    wants_captcha = intake.captcha_due(address=address, reporter=request.user)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if wants_captcha and not captcha.passes(request.session, data["captcha"]):
            form.add_error(
                "captcha",
                _("The digits do not match the picture. Try the new one.")
                if data["captcha"]
                else _("Type the digits in the picture."),
            )
        else:
            point = (
                from_map((data["latitude"], data["longitude"]))
                if data["latitude"] is not None and data["longitude"] is not None
                else None
            )
            try:
                tip = intake.submit_tip(
                    report=intake.Report(
                        category=data["category"],
                        text=data["text"],
                        place=data["place"],
                        point=point,
                        occurred_at=data["occurred_at"],
                        is_happening_now=data["is_happening_now"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                    ),
                    address=address,
                    reporter=request.user if request.user.is_authenticated else None,
                    source=Tip.Source.MEMBER if request.user.is_authenticated else Tip.Source.WEB,
                    photos=data["photos"],
                )
            except ValidationError as error:
                form.add_error("photos", error)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                request.session["tips.just_sent"] = tip.code
                return redirect("tips:track", code=tip.code)
    if wants_captcha:
        form.fields["captcha"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        if form.is_bound:  # sent and sent back: the picture is what needs doing next
            form.fields["captcha"].widget.attrs["autofocus"] = True
    mine = (
        [
            reporter_view(tip)
            for tip in Tip.objects.filter(reporter=request.user)
            .select_related("merged_into")
            .prefetch_related("messages")
            .order_by("-created_at")[:10]
        ]
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "tips/report.html",
        {
            "form": form,
            "wants_captcha": wants_captcha,
            "look_up_form": LookUpForm(),
            "mine": mine,
            "centre": map_centre(),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
        },
        status=400 if request.method == "POST" else 200,
    )


def _tip_by_code(code: str) -> Tip:
    tip = tip_for_code(code)
    if tip is None:
        raise Http404
    return tip


@never_cache
def track(request: HttpRequest, code: str) -> HttpResponse:
    """What the reporter may know (`reporter_view`): the status, questions and public answers.
    Nothing internal, nothing about who else reported the same thing."""
    try:
        tip = look_up(code, address=client_address(request))
    except TooMany as error:
        return _look_up_page(request, LookUpForm(initial={"code": code}), error.message, 429)
    except DomainError:
        raise Http404 from None
    just_sent = request.session.pop("tips.just_sent", None) == tip.code
    return render(
        request,
        "tips/track.html",
        {
            "view": reporter_view(tip),
            "form": AnswerForm(),
            "just_sent": just_sent,
            "look_up_form": LookUpForm(),
        },
    )


@never_cache
def find(request: HttpRequest) -> HttpResponse:
    """The look-up box on the public pages: a code typed in, to the tracking page. An unknown
    code is counted as the tracking page counts it (`look_up`), and said so in words."""
    form = LookUpForm(request.GET or None)
    if not form.is_valid():
        problem = _("Type the tracking code you were given.") if request.GET else ""
        return _look_up_page(request, form, problem, 400 if request.GET else 200)
    try:
        tip = look_up(form.cleaned_data["code"], address=client_address(request))
    except DomainError as error:
        return _look_up_page(request, form, error.message, error.status)
    return redirect("tips:track", code=tip.code)


def _look_up_page(
    request: HttpRequest, form: LookUpForm, problem: str, status: int
) -> HttpResponse:
    return render(
        request, "tips/find.html", {"look_up_form": form, "problem": problem}, status=status
    )


@require_POST
def answer(request: HttpRequest, code: str) -> HttpResponse:
    tip = _tip_by_code(code)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            triage.answer_question(tip=tip, text=form.cleaned_data["text"])
            messages.success(request, _("Thank you. The moderators will read your answer."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Write something first."))
    return redirect("tips:track", code=tip.code)


@never_cache
def captcha_image(request: HttpRequest) -> HttpResponse:
    return HttpResponse(captcha.new_image(request.session), content_type="image/png")
