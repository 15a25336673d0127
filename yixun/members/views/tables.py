"""Desk tables: a column sort read from ?sort=, and the header links that toggle it."""

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    sortable: bool = True


@dataclass(frozen=True)
class Header:
    label: str | Promise
    href: str  # empty when the column does not sort
    aria_sort: str  # ascending | descending | none


class Sorting:
    """Which column a table is sorted by. Only the keys offered are read: anything else in
    ?sort= is ignored and the table keeps its default order."""

    def __init__(self, query: QueryDict, columns: list[Column], default: str) -> None:
        self.columns = columns
        sortable = {column.key for column in columns if column.sortable}
        asked = query.get("sort", "")
        key = asked.removeprefix("-")
        if key not in sortable:
            asked, key = default, default.removeprefix("-")
        self.key = key
        self.descending = asked.startswith("-")
        rest = query.copy()
        for name in ("sort", "page"):
            rest.pop(name, None)
        self.rest = rest.urlencode()

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def query(self) -> str:
        """The query string for the pager: the filters and the sort, not the page."""
        return "&".join(part for part in (self.rest, f"sort={self.value}") if part)

    def headers(self) -> list[Header]:
        start = f"?{self.rest}&sort=" if self.rest else "?sort="
        headers = []
        for column in self.columns:
            if not column.sortable:
                headers.append(Header(column.label, "", ""))
                continue
            if column.key == self.key:
                aria = "descending" if self.descending else "ascending"
                toggled = column.key if self.descending else f"-{column.key}"
            else:
                aria, toggled = "none", column.key
            headers.append(Header(column.label, start + toggled, aria))
        return headers

    def order(self, *fields: Any) -> list[Any]:
        """The fields (or expressions) to order by, turned for a descending sort."""
        if not self.descending:
            return list(fields)
        return [
            field[1:]
            if isinstance(field, str) and field.startswith("-")
            else f"-{field}"
            if isinstance(field, str)
            else field.desc()
            for field in fields
        ]


def safe_query(raw: str) -> str:
    """A query string sent back by a form, read as parameters and written out again, so that
    nothing but parameters reaches the address we redirect to."""
    return QueryDict(raw[:2000]).urlencode()
