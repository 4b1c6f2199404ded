"""Who the sender is, as far as permissions go."""
from __future__ import annotations

from dataclasses import dataclass, field

OFFICE = "督导室"
SUPERVISOR = "督学"
PRINCIPAL_ROLES = ("校长", "园长")
ROLES = (OFFICE, SUPERVISOR, *PRINCIPAL_ROLES)


@dataclass(frozen=True)
class Actor:
    """The sender of a message. An unknown sender has person_id None."""

    chat_id: str
    person_id: int | None = None
    name: str = ""
    role: str | None = None
    supervised: frozenset[int] = field(default_factory=frozenset)  # school ids (责任督学)
    led_districts: frozenset[int] = field(default_factory=frozenset)  # district ids (责任区负责人)
    school_id: int | None = None  # a principal's school

    @property
    def known(self) -> bool:
        return self.person_id is not None

    @property
    def is_office(self) -> bool:
        return self.role == OFFICE

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR

    @property
    def is_principal(self) -> bool:
        return self.role in PRINCIPAL_ROLES

    @property
    def is_lead(self) -> bool:
        return bool(self.led_districts)

    @property
    def title(self) -> str:
        """How to address them: 刘建国 (督导室), 周永红 (责任督学)…"""
        if self.is_lead:
            return "责任区负责人"
        return {SUPERVISOR: "责任督学"}.get(self.role or "", self.role or "")
