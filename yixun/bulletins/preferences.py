"""What each member chooses: channels besides the inbox, the kinds they want, quiet hours."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from yixun.audit import services as audit
from yixun.bulletins.models import Kind, Preference


def default(user_id: int) -> Preference:
    """Before a member chooses: the inbox for everything, and a text message for an urgent
    alert (a missing child cannot wait for someone to open the app)."""
    return Preference(user_id=user_id, channels=[Preference.Channel.SMS], kinds=[Kind.URGENT])


def of(user: Any) -> Preference:
    return Preference.objects.filter(user=user).first() or default(user.pk)


def of_many(user_ids: list[int]) -> dict[int, Preference]:
    """Everyone's choices in one query, the defaults for those who made none."""
    found = {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}
    return {pk: found.get(pk) or default(pk) for pk in user_ids}


def takers(
    people: dict[int, str], kind: str, channel: str, among: Any
) -> list[tuple[int, str, Preference | None]]:
    """Who of `people` (user id: address) this channel carries this kind to, with their choices
    (None: they made none, and the default carries it). `among` is the query of those people,
    so that their choices are read in one query however many they are. Ten thousand members
    mostly never chose: they cost a dictionary look-up, not a default object each."""
    chosen = {p.user_id: p for p in Preference.objects.filter(user_id__in=among)}
    by_default = wants(default(0), kind, channel)
    found: list[tuple[int, str, Preference | None]] = []
    for pk, address in people.items():
        preference = chosen.get(pk)
        if preference is None:
            if by_default:
                found.append((pk, address, None))
        elif wants(preference, kind, channel):
            found.append((pk, address, preference))
    return found


def wants(preference: Preference, kind: str, channel: str) -> bool:
    """Whether this channel carries this kind to them. An urgent alert goes by every channel
    they chose, whatever kinds they chose."""
    if channel not in preference.channels:
        return False
    return kind == Kind.URGENT or not preference.kinds or kind in preference.kinds


def quiet_until(preference: Preference | None, kind: str, at: dt.datetime) -> dt.datetime | None:
    """When their quiet hours end, if `at` falls within them; None when it may go now. Urgent
    alerts ignore quiet hours. Hours are Shanghai time and may run over midnight (22:00–07:00)."""
    if preference is None:
        return None
    start, end = preference.quiet_from, preference.quiet_until
    if kind == Kind.URGENT or start is None or end is None or start == end:
        return None
    local = timezone.localtime(at)
    now = local.time()
    inside = start <= now < end if start < end else now >= start or now < end
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > local else ends + dt.timedelta(days=1)


def save_preference(
    *,
    user: Any,
    channels: list[str],
    kinds: list[str],
    email: str,
    quiet_from: dt.time | None,
    quiet_until: dt.time | None,
) -> Preference:
    with transaction.atomic():
        preference, _created = Preference.objects.get_or_create(user=user)
        preference.channels = sorted(set(channels))
        preference.kinds = sorted(set(kinds))
        preference.email = email
        preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
        preference.save()
        audit.record(
            actor=user,
            action="bulletins.preference.changed",
            target=preference,
            data={"channels": preference.channels, "kinds": preference.kinds},
        )
    return preference
