"""The permission matrix: every role × every action, as docs/design.md's table says."""
from __future__ import annotations

import pytest

from bot.domain.permissions import Action, can
from bot.domain.roles import Actor

SCHOOL, OTHER_SCHOOL, DISTRICT_SCHOOL = 1, 2, 3  # school 3 is in district 10 but not assigned to the supervisor
DISTRICT = 10

OFFICE = Actor(chat_id="o", person_id=1, name="刘", role="督导室")
SUPERVISOR = Actor(chat_id="s", person_id=2, name="李", role="督学", supervised=frozenset({SCHOOL}))
LEAD = Actor(chat_id="l", person_id=3, name="周", role="督学", supervised=frozenset({SCHOOL}),
             led_districts=frozenset({DISTRICT}))
PRINCIPAL = Actor(chat_id="p", person_id=4, name="王", role="校长", school_id=SCHOOL)
KINDERGARTEN_HEAD = Actor(chat_id="k", person_id=5, name="孙", role="园长", school_id=OTHER_SCHOOL)
UNKNOWN = Actor(chat_id="x")

A = Action
# (action, school, district of that school) -> expected for each role:
#   office, supervisor, lead, principal, unknown
MATRIX = [
    (A.HELP, None, None, (1, 1, 1, 1, 1)),
    (A.BIND, None, None, (1, 1, 1, 1, 1)),
    (A.LOG_FINDING, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),
    (A.LOG_FINDING, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.LOG_FINDING, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.VERIFY, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),
    (A.VERIFY, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.VERIFY, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.VISIT, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),
    (A.VISIT, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.TERM_CHECK, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),
    (A.TERM_CHECK, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.RECTIFY, SCHOOL, DISTRICT, (1, 0, 0, 1, 0)),
    (A.RECTIFY, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.VIEW, SCHOOL, DISTRICT, (1, 1, 1, 1, 0)),
    (A.VIEW, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.VIEW, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.SELF_CHECK, SCHOOL, DISTRICT, (1, 0, 0, 1, 0)),
    (A.MONTHLY_REPORT, None, None, (1, 1, 1, 0, 0)),
    (A.DISTRICT_SUMMARY, None, DISTRICT, (1, 0, 1, 0, 0)),
    (A.DISTRICT_SUMMARY, None, 99, (1, 0, 0, 0, 0)),
    (A.EXTEND, SCHOOL, DISTRICT, (1, 0, 0, 0, 0)),
    (A.EXPORT, None, None, (1, 0, 0, 0, 0)),
    (A.BIND_ROOM, None, None, (1, 0, 0, 0, 0)),
    (A.DIGEST, None, None, (1, 0, 0, 0, 0)),
    (A.ASSESS, None, None, (1, 0, 0, 0, 0)),
    (A.SCHOOL_ASSESS, None, None, (1, 1, 1, 1, 0)),  # each the schools they may see; a principal the own
    (A.SCHOOL_ASSESS, SCHOOL, DISTRICT, (1, 1, 1, 1, 0)),
    (A.SCHOOL_ASSESS, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.SCHOOL_ASSESS, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.REQUEST_EXTENSION, SCHOOL, DISTRICT, (1, 0, 0, 1, 0)),
    (A.REQUEST_EXTENSION, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.LEAVE, None, None, (1, 1, 1, 1, 0)),
    (A.APPEAL, SCHOOL, DISTRICT, (0, 0, 0, 1, 0)),  # only the school's own principal: the office decides
    (A.APPEAL, OTHER_SCHOOL, 99, (0, 0, 0, 0, 0)),
    (A.DECIDE_APPEAL, SCHOOL, DISTRICT, (1, 0, 0, 0, 0)),
    (A.ISSUE_BULLETIN, None, None, (1, 0, 0, 0, 0)),
    (A.DECLARE_CAMPAIGN, None, None, (1, 0, 0, 0, 0)),
    (A.CAMPAIGN_CHECK, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),
    (A.CAMPAIGN_CHECK, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.CAMPAIGN_CHECK, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
    (A.URGE, SCHOOL, DISTRICT, (1, 1, 1, 0, 0)),  # #督办: the school's supervisors and the office
    (A.URGE, DISTRICT_SCHOOL, DISTRICT, (1, 0, 1, 0, 0)),
    (A.URGE, OTHER_SCHOOL, 99, (1, 0, 0, 0, 0)),
]


@pytest.mark.parametrize("action,school,district,expected", MATRIX)
def test_matrix(action: Action, school: int | None, district: int | None, expected: tuple[int, ...]) -> None:
    actors = (OFFICE, SUPERVISOR, LEAD, PRINCIPAL, UNKNOWN)
    got = tuple(int(can(a, action, school_id=school, district_id=district)) for a in actors)
    assert got == expected, f"{action}: office/supervisor/lead/principal/unknown"


def test_every_action_is_in_the_matrix() -> None:
    # WITHDRAW and CORRECT: below, they depend on the finder
    assert {row[0] for row in MATRIX} | {A.WITHDRAW, A.CORRECT} == set(Action)


@pytest.mark.parametrize("action", [A.WITHDRAW, A.CORRECT])
def test_withdraw_and_correct_are_for_the_office_and_the_finder(action: Action) -> None:
    assert can(OFFICE, action, school_id=SCHOOL, finder_id=2)
    assert can(SUPERVISOR, action, school_id=SCHOOL, finder_id=SUPERVISOR.person_id)
    assert not can(LEAD, action, school_id=SCHOOL, finder_id=SUPERVISOR.person_id)
    assert not can(PRINCIPAL, action, school_id=SCHOOL, finder_id=SUPERVISOR.person_id)
    assert not can(UNKNOWN, action, school_id=SCHOOL, finder_id=None)


def test_kindergarten_head_is_a_principal_of_her_own_school_only() -> None:
    assert can(KINDERGARTEN_HEAD, A.RECTIFY, school_id=OTHER_SCHOOL)
    assert not can(KINDERGARTEN_HEAD, A.RECTIFY, school_id=SCHOOL)
