"""Settings for the test suite: the real ones, with fast hashing and tasks run in-process."""

import os
import tempfile
import uuid
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
    # In a folder of this run's own, so that two runs at once (two checkouts, two people) never
    # share, and clobber, one file.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="yixun-test-db-")) / "test.sqlite3")
    }

# Photos uploaded by tests go to a scratch folder, not the laptop's data folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yixun-test-media-"))

# Every audit entry the suite writes must point at the object its code names.
YIXUN_AUDIT_STRICT = True

# Each test process its own cache: with Redis, the parallel workers (each with a test database
# of its own) and earlier runs would otherwise read one another's cached ids and fragments.
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] += f"-test-{uuid.uuid4().hex[:12]}"  # noqa: F405
else:  # the files of a cache of this process's own
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="yixun-test-cache-")  # noqa: F405
