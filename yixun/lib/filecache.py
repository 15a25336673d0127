"""A cache every process of one machine shares, for installs without Redis."""

import random

from django.core.cache.backends.filebased import FileBasedCache

# Django's file cache lists its whole folder on every write to see whether it must cull; with
# thousands of sessions that listing costs more than the write. Look one write in this many.
CULL_CHECK_EVERY = 100


class SharedFileCache(FileBasedCache):
    """Django's file cache, culled now and then rather than checked on every write.

    A county's web workers each run in a process of their own: a cache in one process's memory
    would keep a signed-out session or a changed role alive in the others. Files in the data
    folder are seen by every process at once; reading one costs a few microseconds from the
    page cache, against a database round trip.
    """

    def _cull(self) -> None:
        if random.random() * CULL_CHECK_EVERY < 1:  # noqa: S311 (not a secret)
            super()._cull()  # type: ignore[misc]  # private in the stubs
