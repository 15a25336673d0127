"""Apply a form's values to a model instance and say what changed, for the audit trail."""

from collections.abc import Iterable, Mapping
from typing import Any


def apply_changes(
    instance: Any, values: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, str]:
    """Set each of `fields` found in `values` on `instance`; return {field: new value as text}
    for those that differed. Saving is the caller's."""
    changed = {}
    for name in fields:
        if name in values and getattr(instance, name) != values[name]:
            setattr(instance, name, values[name])
            changed[name] = str(values[name])
    return changed
