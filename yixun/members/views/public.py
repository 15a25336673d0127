"""What the public sees: joining, following an application, and the association's rules."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.lib import resident_id
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.members.forms import AnswerForm, ApplicationForm, IdNumberField
from yixun.members.models import Application, RulebookDocument, RulebookVersion, current_notice
from yixun.members.models.personal import ADULT_AGE, MINIMUM_AGE
from yixun.members.services import applications
from yixun.members.services.applications import too_young_message


def apply(request: HttpRequest) -> HttpResponse:
    notice = current_notice()
    if notice is None:
        return render(request, "members/apply_closed.html")
    form = ApplicationForm(
        request.POST or None, request.FILES or None, initial={"notice_version": notice.pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submission = applications.Submission(
            name=data["name"],
            phone=data["phone"],
            id_number=data["id_number"],
            notice_version=RulebookVersion.objects.filter(pk=data["notice_version"]).first(),
            occupation=data["occupation"],
            skills=form.skill_entries(),
            availability=data["availability"],
            home_area=data["home_area"],
            emergency_name=data["emergency_name"],
            emergency_phone=data["emergency_phone"],
            guardian_name=data["guardian_name"],
            guardian_phone=data["guardian_phone"],
            guardian_consent=data["guardian_consent"],
            photo=data["photo"],
        )
        try:
            application, token = applications.submit_application(
                submission=submission, address=client_address(request)
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return render(
                request, "members/apply_sent.html", {"application": application, "token": token}
            )
    status = 400 if form.errors else 200
    return render(request, "members/apply.html", {"form": form, "notice": notice}, status=status)


@require_POST
def check_id(request: HttpRequest) -> HttpResponse:
    """Tell an applicant at once, as they leave the ID field, whether they may apply at all."""
    try:
        parsed = IdNumberField(required=False).clean(request.POST.get("id_number", ""))
    except ValidationError as error:
        return render(request, "members/_id_check.html", {"problem": error.messages[0]})
    if not isinstance(parsed, resident_id.ResidentId):
        return render(request, "members/_id_check.html", {})
    age = parsed.age_on(timezone.localdate())
    return render(
        request,
        "members/_id_check.html",
        {
            "problem": too_young_message() if age < MINIMUM_AGE else "",
            "minor": MINIMUM_AGE <= age < ADULT_AGE,
            "age": age,
        },
    )


def application_status(request: HttpRequest, token: str) -> HttpResponse:
    application = applications.application_for_token(token)
    if application is None:
        raise Http404
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applications.answer_question(
                application=application, answer=form.cleaned_data["answer"]
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Thank you. The officers have your answer."))
            return redirect("members:application_status", token=token)
    return render(
        request,
        "members/application_status.html",
        {
            "application": application,
            "form": form,
            "needs_answer": application.status == Application.Status.NEEDS_INFO,
        },
    )


def rules(request: HttpRequest) -> HttpResponse:
    documents = RulebookDocument.objects.published().prefetch_related("versions")
    return render(request, "members/rules.html", {"documents": documents})


def rule(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    document = get_object_or_404(RulebookDocument.objects.published(), pk=pk)
    versions = list(document.versions.order_by("-number"))
    version = (
        versions[0] if number is None else next((v for v in versions if v.number == number), None)
    )
    if version is None:
        raise Http404
    return render(
        request,
        "members/rule.html",
        {"document": document, "version": version, "versions": versions},
    )
