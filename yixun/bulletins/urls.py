from django.urls import path

from yixun.bulletins import public_cache
from yixun.bulletins.views import cap, feeds, log, pages, push, share, sightings, subscribe

app_name = "bulletins"

urlpatterns = [
    # The public side: the bulletins page, each bulletin, the feeds and CAP.
    path("bulletins/", pages.public_list, name="list"),
    path("bulletins/<int:pk>/", pages.detail, name="detail"),
    path("bulletins/<int:pk>/saw/", sightings.sighting, name="sighting"),
    path("bulletins/<int:pk>/sightings/", sightings.sightings_map, name="sightings"),
    path("bulletins/<int:pk>/share/", share.share_page, name="share"),
    path("bulletins/<int:pk>/share/poster.png", share.poster, name="share_poster"),
    path("bulletins/<int:pk>/share/posted/", share.posted, name="share_posted"),
    path("bulletins/<int:pk>/photos/<int:photo_id>.jpg", pages.photo, name="photo"),
    path("bulletins/feed.rss", public_cache.whole(feeds.BulletinsRss()), name="rss"),
    path("bulletins/feed.atom", public_cache.whole(feeds.BulletinsAtom()), name="atom"),
    path(
        "bulletins/<slug:kind>/feed.rss", public_cache.whole(feeds.BulletinsRss()), name="rss_kind"
    ),
    path(
        "bulletins/<slug:kind>/feed.atom",
        public_cache.whole(feeds.BulletinsAtom()),
        name="atom_kind",
    ),
    path("bulletins/<int:pk>/cap.xml", cap.message, name="cap"),
    path("bulletins/alerts.atom", public_cache.whole(cap.alerts_index), name="alerts"),
    # The public's e-mail subscriptions (views/subscribe.py: subscribe(request),
    # confirm(request, token), unsubscribe(request, token)).
    path("bulletins/subscribe/", subscribe.subscribe, name="subscribe"),
    path("bulletins/subscribe/confirm/<str:token>/", subscribe.confirm, name="subscribe_confirm"),
    path("bulletins/unsubscribe/<str:token>/", subscribe.unsubscribe, name="unsubscribe"),
    # Web Push: a member's browser subscribes, or the public's follows some areas (and stops by
    # a notification's link); the service worker is served at the root so its
    # scope covers the whole site.
    path("bulletins/push/subscribe/", push.subscribe, name="push_subscribe"),
    path("bulletins/push/unsubscribe/", push.unsubscribe, name="push_unsubscribe"),
    path("bulletins/push/follow/", push.follow, name="push_follow"),
    path("bulletins/push/unfollow/", push.unfollow, name="push_unfollow"),
    path("bulletins/push/stop/<str:token>/", push.stop, name="push_stop"),
    path("push-sw.js", push.worker, name="push_worker"),
    # Writing and review.
    path("bulletins/desk/", pages.desk, name="desk"),
    path("bulletins/write/", pages.write, name="write"),
    path("bulletins/<int:pk>/edit/", pages.edit, name="edit"),
    path("bulletins/<int:pk>/deliveries/", log.deliveries, name="deliveries"),
    path("bulletins/<int:pk>/deliveries/resend/", log.resend, name="resend"),
    path("bulletins/<int:pk>/<str:action>/", pages.act, name="act"),
    # Each member's inbox.
    path("inbox/", pages.inbox, name="inbox"),
    path("inbox/now/", pages.inbox_now, name="inbox_now"),
    path("inbox/settings/", pages.settings_page, name="settings"),
]
