"""Paging written once: ports loop over pages, adapters fetch one page at a time.

A query that reads only its first page is the classic way to under-count completions (DynamoDB
stops at 1 MB or `Limit` items and hands back `LastEvaluatedKey`); no adapter writes the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

T = TypeVar("T")

#: Where the next page starts (DynamoDB's LastEvaluatedKey, or a fake's offset); None = done.
Cursor = Mapping[str, Any]
Page = tuple[T, Cursor | None]


def iterate_pages(fetch: Callable[[Cursor | None], Page[T]]) -> Iterator[T]:
    """Yield every page's result until the backend returns no cursor."""
    cursor: Cursor | None = None
    while True:
        result, cursor = fetch(cursor)
        yield result
        if not cursor:
            return
