"""Settings for the test suite: the real ones, with fast hashing and tasks run in-process."""

import os
import tempfile
from pathlib import Path

from yixun.settings import *  # noqa: F403

# Playwright's sync API holds an event loop on the main thread; Django's ORM refuses
# to run under one unless told it is safe (it is: the browser tests are sequential).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "yixun.testing.InstantTaskBackend"}}
YIXUN_MESSAGE_SENDER = "yixun.accounts.messaging.MemorySender"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the browser tests' live server then gives each of its request
    # threads its own connection, as a real server would, instead of sharing one.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Photos uploaded by tests go to a scratch folder, not the laptop's data folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yixun-test-media-"))
