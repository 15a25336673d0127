"""What open pages can follow. Each app that owns a kind of object registers its topic at
start-up, with the audit codes that are changes of it and the doors that decide who hears of
them: the same `visible_to` its pages read through, so that nobody hears of what they could
not see."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Topic:
    name: str
    # Audit codes, by prefix, whose entries are changes of this topic.
    codes: tuple[str, ...]
    # The object an event names, from the audit entry's target (a claim names its shift).
    ref: Callable[[models.Model], object]
    # Whether this person may follow the topic at all (checked once, when a page connects).
    may_follow: Callable[[Any], bool]
    # Whether this person may hear of a change of this object; None: everyone who may follow.
    may_see: Callable[[Any, str], bool] | None = None


TOPICS: dict[str, Topic] = {}


def register(topic: Topic) -> None:
    TOPICS[topic.name] = topic
