"""Who the sender is, as far as permissions go."""
from __future__ import annotations

from dataclasses import dataclass, field

OFFICE = "督导室"
SUPERVISOR = "督学"
PRINCIPAL_ROLES = ("校长", "园长")
ROLES = (OFFICE, SUPERVISOR, *PRINCIPAL_ROLES)


def titled(name: str, role: str | None) -> str:
    """A person named with their role as the roster has it — the one rule for every message that does so:
    周永红督学, 王芳校长, 孙丽园长, 督导室刘建国 (the office's staff are not 督学); the name alone for anyone else.
    Where being a district lead matters, the template says 责任区负责人 itself."""
    if role == OFFICE:
        return f"{OFFICE}{name}"
    if role == SUPERVISOR or role in PRINCIPAL_ROLES:
        return f"{name}{role}"
    return name


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
        """What they are, beside their name on the web desk: 督导室, 责任区负责人, 责任督学, 校长…"""
        if self.is_lead:
            return "责任区负责人"
        return {SUPERVISOR: "责任督学"}.get(self.role or "", self.role or "")

    @property
    def titled(self) -> str:
        """Their name with their role (see `titled`)."""
        return titled(self.name, self.role)
