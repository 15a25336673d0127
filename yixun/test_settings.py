"""Settings for the test suite: the real ones, with fast hashing and tasks run in-process."""

import os

from yixun.settings import *  # noqa: F403

# Playwright's sync API holds an event loop on the main thread; Django's ORM refuses
# to run under one unless told it is safe (it is: the browser tests are sequential).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "yixun.testing.InstantTaskBackend"}}
YIXUN_MESSAGE_SENDER = "yixun.accounts.messaging.MemorySender"
