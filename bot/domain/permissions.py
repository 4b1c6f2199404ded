"""Roles and permissions, in one place (docs/design.md's table).

| role        | may |
| 督学        | log findings, verify, visits, term and campaign checks at their schools; 月报; withdraw their own |
| 责任区负责人 | all a supervisor may, for every school of the district; 汇总 |
| 校长/园长    | rectify their school's findings; 自查; query their own school; appeal (申诉) a finding of it |
| 督导室      | everything, but appeal: it decides the appeals |
| unknown     | 帮助 and 绑定 only |
"""
from __future__ import annotations

from enum import StrEnum

from bot.domain.roles import OFFICE, PRINCIPAL_ROLES, SUPERVISOR, Actor


class Action(StrEnum):
    HELP = "help"
    BIND = "bind"
    LOG_FINDING = "log_finding"
    RECTIFY = "rectify"
    VERIFY = "verify"
    WITHDRAW = "withdraw"
    EXTEND = "extend"
    VIEW = "view"  # query a finding, list a school's findings, statistics of a school
    VISIT = "visit"
    TERM_CHECK = "term_check"
    SELF_CHECK = "self_check"  # 自查
    MONTHLY_REPORT = "monthly_report"  # 月报
    DISTRICT_SUMMARY = "district_summary"  # 汇总
    EXPORT = "export"
    BIND_ROOM = "bind_room"
    DIGEST = "digest"  # 周报 / 通报 on demand
    LEAVE = "leave"  # for oneself; the office for anyone
    CORRECT = "correct"  # #修改: the finder or the office
    REQUEST_EXTENSION = "request_extension"  # #申请延期: the school's principal
    ASSESS = "assess"  # #考核: the 责任督学考核 workbook (the desk also shows district leads their district's)
    APPEAL = "appeal"  # #申诉 Q12 原因: the school's own principal, and no one else (the office decides)
    DECIDE_APPEAL = "decide_appeal"  # #申诉 Q12 维持/撤销/修改: the office
    # #学校考核: the 综合督导考核 of the schools one may see (a principal: the own school's breakdown only)
    SCHOOL_ASSESS = "school_assess"
    ISSUE_BULLETIN = "issue_bulletin"  # #印发通报 / #更正通报: the office
    DECLARE_CAMPAIGN = "declare_campaign"  # #专项督导: the office declares a campaign
    CAMPAIGN_CHECK = "campaign_check"  # #专项检查: a school's checklist results (its supervisors, unless named)
    URGE = "urge"  # #督办 Q12: a reminder now to the school's room (its supervisors, the office)

OPEN_TO_ALL = {Action.HELP, Action.BIND}
SUPERVISOR_AT_SCHOOL = {Action.LOG_FINDING, Action.VERIFY, Action.VIEW, Action.VISIT, Action.TERM_CHECK,
                        Action.CAMPAIGN_CHECK, Action.URGE}
OFFICE_ONLY = {Action.EXTEND, Action.EXPORT, Action.BIND_ROOM, Action.DIGEST, Action.ASSESS, Action.DECIDE_APPEAL,
               Action.ISSUE_BULLETIN, Action.DECLARE_CAMPAIGN}


def oversees(actor: Actor, school_id: int, district_id: int | None) -> bool:
    """A supervisor oversees their assigned schools; a district lead every school of the district."""
    return school_id in actor.supervised or (district_id is not None and district_id in actor.led_districts)


def can(
    actor: Actor,
    action: Action,
    *,
    school_id: int | None = None,
    district_id: int | None = None,
    finder_id: int | None = None,
) -> bool:
    """May `actor` do `action` (at this school / on a finding by this finder)?"""
    if action in OPEN_TO_ALL:
        return True
    if not actor.known:
        return False
    if action is Action.APPEAL:  # the one thing the office may not do: it decides the appeals
        return actor.is_principal and school_id is not None and school_id == actor.school_id
    if actor.is_office:
        return True
    if action in OFFICE_ONLY:
        return False
    if action is Action.LEAVE:
        return True
    if action is Action.MONTHLY_REPORT:
        return actor.is_supervisor
    if action is Action.DISTRICT_SUMMARY:
        return actor.is_lead and (district_id is None or district_id in actor.led_districts)
    if action is Action.SELF_CHECK:
        return actor.is_principal and (school_id is None or school_id == actor.school_id)
    if action is Action.RECTIFY:
        return actor.is_principal and school_id == actor.school_id
    if action in (Action.WITHDRAW, Action.CORRECT):
        return finder_id is not None and finder_id == actor.person_id
    if action is Action.REQUEST_EXTENSION:
        return actor.is_principal and school_id == actor.school_id
    if action is Action.SCHOOL_ASSESS and actor.is_principal:  # the own school, or "may she at all?"
        return actor.school_id is not None and school_id in (None, actor.school_id)
    if action is Action.SCHOOL_ASSESS and actor.is_supervisor:
        return oversees(actor, school_id, district_id) if school_id is not None else \
            bool(actor.supervised or actor.led_districts)
    if action is Action.VIEW and actor.is_principal:
        return school_id is not None and school_id == actor.school_id
    if action in SUPERVISOR_AT_SCHOOL and actor.is_supervisor:
        if school_id is None:  # "may they do this anywhere?"
            return bool(actor.supervised or actor.led_districts)
        return oversees(actor, school_id, district_id)
    return False


def what_they_may_do(actor: Actor) -> str:
    """The template key for 'what you may do instead' in a refusal."""
    if not actor.known:
        return "unknown"
    if actor.is_office:
        return "office"
    if actor.is_principal:
        return "principal"
    return "lead" if actor.is_lead else "supervisor"


_OWN = 1  # the school (and district) of the typical person of each role below
_TYPICAL = {
    "unknown": Actor(chat_id=""),
    "supervisor": Actor(chat_id="", person_id=1, role=SUPERVISOR, supervised=frozenset({_OWN})),
    "lead": Actor(chat_id="", person_id=1, role=SUPERVISOR, led_districts=frozenset({_OWN})),
    "principal": Actor(chat_id="", person_id=1, role=PRINCIPAL_ROLES[0], school_id=_OWN),
    "office": Actor(chat_id="", person_id=1, role=OFFICE),
}


def role_may(who: str, action: Action) -> bool:
    """May someone of this role (what_they_may_do's answer) do `action` at all: at a school of their own, for a
    district they lead, on a finding they logged (if they may log one)? `can`, asked for a typical person."""
    actor = _TYPICAL[who]
    finder = actor.person_id if can(actor, Action.LOG_FINDING, school_id=_OWN, district_id=_OWN) else None
    return can(actor, action, school_id=_OWN, district_id=_OWN, finder_id=finder)


SUPERVISORS_ACTIONS = SUPERVISOR_AT_SCHOOL - {Action.VIEW}


def why_not(actor: Actor, action: Action, *, school_id: int | None = None, district_id: int | None = None,
            finder_id: int | None = None) -> str:
    """The real reason `can` says no, as a key for the refusal template (never a wrong one: a supervisor may not
    report rectification at his own school because only the principal may, not because of the school)."""
    if not actor.known:
        return "stranger"
    if action in OFFICE_ONLY:
        return "office_only"
    if action is Action.RECTIFY:
        return "principal_only" if not actor.is_principal else "own_school_only"
    if action in (Action.WITHDRAW, Action.CORRECT):
        return "finder_or_office"
    if action is Action.REQUEST_EXTENSION:
        return "principal_request" if not actor.is_principal else "own_school_only"
    if action is Action.APPEAL:
        return "principal_appeal" if not actor.is_principal else "own_school_only"
    if action is Action.MONTHLY_REPORT:
        return "supervisor_report"
    if action is Action.SELF_CHECK:
        return "principal_report" if not actor.is_principal else "own_school_only"
    if action is Action.DISTRICT_SUMMARY:
        return "lead_only" if not actor.is_lead else "not_your_district"
    if actor.is_principal:
        return "supervisors_only" if action in SUPERVISORS_ACTIONS else "own_school_only"
    if school_id is None:
        return "no_schools"
    return "not_your_school"


def assessment_districts(actor: Actor) -> frozenset[int] | None:
    """Whose 责任督学考核 `actor` may see on the desk: None for every district (the office), the districts they lead
    for a district lead, none (an empty set) for anyone else. In chat #考核 is the office's (Action.ASSESS)."""
    if actor.known and actor.is_office:
        return None
    return actor.led_districts if actor.known else frozenset()


def reads_issued_bulletins(actor: Actor) -> bool:
    """Who may read the issued 通报 on the desk (/bulletins): the office, and the district leads — the 通报 is
    addressed to 各责任区, and each district's lead is the district's reader. Not supervisors or principals: it names
    every school's overdue findings, more than the desk shows them; they read it where the county sends it."""
    return actor.known and (actor.is_office or bool(actor.led_districts))
