"""The signature WeChat's JS-SDK asks for, fetched by a public page's script once it has loaded,
so that no page ever waits for WeChat (yixun.public.wechat)."""

from django.http import Http404, HttpRequest, HttpResponseBadRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from yixun.public import wechat

# A page's address, as the browser has it; WeChat's own limit is not documented, Yixun's are short.
LONGEST_URL = 2000


@never_cache
@require_GET
def card(request: HttpRequest) -> JsonResponse | HttpResponseBadRequest:
    """`wx.config`'s appId, timestamp, nonceStr and signature for the page at ?url= (its address
    without the #part, exactly as WeChat's browser shows it); 503 when WeChat cannot be reached,
    and the page goes without its card."""
    if not wechat.is_enabled():
        raise Http404
    url = request.GET.get("url", "")
    if len(url) > LONGEST_URL or not wechat.is_ours(url, request):
        return HttpResponseBadRequest("url: an address of this site, without its #part")
    signed = wechat.card_for(url)
    if signed is None:
        return JsonResponse({"error": "unavailable"}, status=503)
    return JsonResponse(signed.as_json())
