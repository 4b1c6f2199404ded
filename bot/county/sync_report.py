"""What a county load changed: counts by kind, who was deactivated, whose schools changed, what was left alone."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("districts", "schools", "people", "rooms", "campaigns")


@dataclass(frozen=True)
class SchoolChange:
    """A person whose schools changed: a principal's school, or the schools a supervisor is assigned to."""

    name: str
    role: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class SyncReport:
    county: str = ""
    added: dict[str, int] = field(default_factory=dict)  # kind (KINDS) -> count
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)
    deactivated_people: list[str] = field(default_factory=list)  # names, in roster order
    school_changes: list[SchoolChange] = field(default_factory=list)  # in file order
    untouched: list[str] = field(default_factory=list)  # sections the file left out: those rows stayed as they were

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated)


def deactivate_missing(existing: dict[str, Any], wanted: set[str], report: SyncReport, kind: str) -> list[Any]:
    """Rows the file no longer names are deactivated, never deleted (their history stays); returns them."""
    gone = [row for key, row in existing.items() if row.active and key not in wanted]
    for row in gone:
        row.active = False
        report.count(report.deactivated, kind)
    return gone
