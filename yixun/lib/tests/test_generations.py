"""Tokens of what cached entries were made from, the one-row rules, and emptying the caches."""

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from yixun.lib import generations
from yixun.patrols.models import DutyRules


def test_a_token_holds_until_renewed(db) -> None:
    first = generations.current("places")
    assert generations.current("places") == first
    generations.renew("places")
    assert generations.current("places") != first


def test_a_token_the_cache_lost_is_drawn_anew_and_never_repeats_the_old(db) -> None:
    first = generations.current("places")
    cache.delete("generation:places")
    assert generations.current("places") not in ("", first)


def test_one_row_is_read_once_until_saved(db, django_assert_num_queries) -> None:
    DutyRules.current()  # made with its defaults
    DutyRules.current()  # read, and kept
    with django_assert_num_queries(0):
        assert DutyRules.current().radius_m == 200
    rules = DutyRules.current()
    rules.radius_m = 120
    rules.save()
    with django_assert_num_queries(1):
        assert DutyRules.current().radius_m == 120


def test_forgetting_everything_leaves_other_installs_keys_alone(db) -> None:
    cache.set("mine", 1)
    caches["local"].set("mine", 1)
    others = None
    if isinstance(cache, RedisCache):  # another install sharing the same Redis
        others = RedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": "another"})
        others.set("theirs", 2)
    generations.forget_everything()
    assert cache.get("mine") is None
    assert caches["local"].get("mine") is None
    if others is not None:
        assert others.get("theirs") == 2
        others.delete("theirs")
