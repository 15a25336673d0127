"""Sightings of an urgent alert: the public's "I saw them" form, and the liaison's live map."""

from django.http import Http404, HttpRequest, HttpResponse


def sighting(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def sightings_map(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
