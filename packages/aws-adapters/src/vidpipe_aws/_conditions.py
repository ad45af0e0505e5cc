"""Conditions on a job record, written once and understood by every JobStore adapter.

The JobStore base decides *what* must hold for a write (status in a set, lease free or
expired...); the in-memory fake evaluates a condition on the record it holds, the DynamoDB
adapter renders the same condition as a ConditionExpression. That is how the two stay alike.
Every condition also requires the record to exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Condition:
    def holds(self, record: Any) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Equals(Condition):
    field: str
    value: Any

    def holds(self, record: Any) -> bool:
        return bool(getattr(record, self.field) == self.value)


@dataclass(frozen=True)
class IsIn(Condition):
    field: str
    values: tuple[Any, ...]

    def holds(self, record: Any) -> bool:
        return getattr(record, self.field) in self.values


@dataclass(frozen=True)
class IsSet(Condition):
    """The attribute is present (stores never keep an explicit null)."""

    field: str

    def holds(self, record: Any) -> bool:
        return getattr(record, self.field) is not None


@dataclass(frozen=True)
class IsUnset(Condition):
    field: str

    def holds(self, record: Any) -> bool:
        return getattr(record, self.field) is None


@dataclass(frozen=True)
class Below(Condition):
    """field < value (or <= with or_equal); an absent field does not compare."""

    field: str
    value: Any
    or_equal: bool = False

    def holds(self, record: Any) -> bool:
        current = getattr(record, self.field)
        if current is None:
            return False
        return bool(current <= self.value if self.or_equal else current < self.value)


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def holds(self, record: Any) -> bool:
        return all(part.holds(record) for part in self.parts)


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def holds(self, record: Any) -> bool:
        return any(part.holds(record) for part in self.parts)


@dataclass(frozen=True)
class HasKey(Condition):
    """The map attribute `field` holds `key` (an outbox entry still pending)."""

    field: str
    key: str

    def holds(self, record: Any) -> bool:
        return self.key in getattr(record, self.field)


@dataclass(frozen=True)
class IsEmpty(Condition):
    """The map attribute `field` holds nothing."""

    field: str

    def holds(self, record: Any) -> bool:
        return not getattr(record, self.field)


def all_of(*parts: Condition) -> AllOf:
    return AllOf(parts)


def any_of(*parts: Condition) -> AnyOf:
    return AnyOf(parts)


#: Only that the record exists.
EXISTS = AllOf(())
