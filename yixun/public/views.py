"""The public site: about, where the squads patrol, partners, contact and the figures by year,
open to all; and the officers' page that sets their texts and figures."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role
from yixun.lib.errors import DomainError
from yixun.members.models import PartnerOrganisation, RulebookVersion
from yixun.members.models.rulebook import DocumentKind
from yixun.places.models import Area
from yixun.public import figures, squads
from yixun.public.forms import PublicSiteForm
from yixun.public.models import PublicSite, association_name
from yixun.public.services import save_public_site


def about(request: HttpRequest) -> HttpResponse:
    charter = (
        RulebookVersion.objects.filter(document__kind=DocumentKind.CHARTER)
        .select_related("document")
        .order_by("-number")
        .first()
    )
    return render(
        request,
        "public/about.html",
        {"site": PublicSite.current(), "association": association_name(), "charter": charter},
    )


def squads_map(request: HttpRequest) -> HttpResponse:
    entries = squads.areas_with_squads()
    return render(
        request,
        "public/squads.html",
        {
            "association": association_name(),
            "entries": entries,
            "markers": squads.markers(entries),
            "squad_count": sum(len(entry.squads) for entry in entries),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
        },
    )


def partners(request: HttpRequest) -> HttpResponse:
    # Names and kinds only: the contact person and phone are for officers (members:partners).
    rows = PartnerOrganisation.objects.order_by("kind", "name").values_list("name", "kind")
    kinds = dict(PartnerOrganisation.Kind.choices)
    groups: dict[str, list[str]] = {}
    for name, kind in rows:
        groups.setdefault(str(kinds.get(kind, kind)), []).append(name)
    return render(
        request,
        "public/partners.html",
        {"association": association_name(), "groups": list(groups.items())},
    )


def contact(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/contact.html",
        {"site": PublicSite.current(), "association": association_name()},
    )


def figures_page(request: HttpRequest) -> HttpResponse:
    towns = figures.towns()
    wanted = request.GET.get("area", "")
    area: Area | None = next((town for town in towns if str(town.pk) == wanted), None)
    names = PublicSite.current().shown_figures()
    rows = [
        (year, [(name, values[name]) for name in names]) for year, values in figures.by_year(area)
    ]
    return render(
        request,
        "public/figures.html",
        {
            "association": association_name(),
            "columns": figures.labels(names),
            "rows": rows,
            "towns": towns,
            "area": area,
        },
    )


@role_required(Role.OFFICER)
def edit(request: SignedInRequest) -> HttpResponse:
    site = PublicSite.current()
    form = PublicSiteForm(
        request.POST or None,
        initial={
            "intro": site.intro,
            "about_extra": site.about_extra,
            "contact": site.contact,
            "figures": site.shown_figures(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_public_site(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved. The public pages show it now."))
            return redirect("public:edit")
    return render(
        request,
        "public/edit.html",
        {"form": form, "site": site},
        status=400 if form.errors else 200,
    )
