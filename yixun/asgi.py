import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yixun.settings")

django_application = get_asgi_application()

from yixun.live.asgi import with_push  # noqa: E402 - after Django is set up

application = with_push(django_application)
