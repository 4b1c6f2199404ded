"""The finding's state machine (bot.ledger.lifecycle): which changes are legal from which state."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ledger import lifecycle as ledger
from bot.storage import models as m

OPEN, RECTIFIED, CLOSED, WITHDRAWN = ledger.OPEN, ledger.RECTIFIED, ledger.CLOSED, ledger.WITHDRAWN
# event → the states it may happen in (docs/design.md: 发现 → 整改 → 验收销号; 不通过 back to 待整改; 撤销; 延期)
LEGAL = {
    ledger.RECTIFY: {OPEN, RECTIFIED},
    ledger.VERIFY_PASS: {RECTIFIED},
    ledger.VERIFY_FAIL: {RECTIFIED},
    ledger.WITHDRAW: {OPEN, RECTIFIED},
    ledger.EXTEND: {OPEN, RECTIFIED},
    ledger.CORRECT: {OPEN, RECTIFIED},  # #修改 while not closed
    ledger.REQUEST_EXTENSION: {OPEN},  # more time to rectify: only while rectifying
    ledger.REFUSE_EXTENSION: {OPEN, RECTIFIED},
    ledger.APPEAL: {OPEN, RECTIFIED},  # 申诉: while not closed; a flag over the state, not a state
    ledger.DECIDE_APPEAL: {OPEN, RECTIFIED},
    ledger.URGE: {OPEN},  # 督办: only what the school still has to rectify
}
LEADS_TO = {ledger.RECTIFY: RECTIFIED, ledger.VERIFY_PASS: CLOSED, ledger.VERIFY_FAIL: OPEN,
            ledger.WITHDRAW: WITHDRAWN}


def finding(status: str) -> m.Finding:
    return m.Finding(number=7, status=status)


@pytest.mark.parametrize("event", list(LEGAL))
@pytest.mark.parametrize("status", [OPEN, RECTIFIED, CLOSED, WITHDRAWN])
def test_legal_transitions(event: str, status: str) -> None:
    assert ledger.allowed(finding(status), event) == (status in LEGAL[event])


def test_every_event_is_in_the_machine_and_closed_states_are_final() -> None:
    assert set(ledger.TRANSITIONS) == set(LEGAL)
    assert {e: to for e, (_, to) in ledger.TRANSITIONS.items() if to} == LEADS_TO
    assert not any(ledger.allowed(finding(s), e) for s in (CLOSED, WITHDRAWN) for e in LEGAL)


async def test_an_illegal_transition_is_refused_before_anything_changes() -> None:
    f = finding(CLOSED)
    with pytest.raises(ledger.IllegalTransition):
        await ledger.transition(None, f, ledger.RECTIFY, actor_id=1, at=datetime.now(UTC), message_id=None,
                                raw_text="#整改 Q7")
    assert f.status == CLOSED and f.rectified_at is None


@pytest.mark.parametrize("event", sorted(ledger.PAUSED_BY_APPEAL))
async def test_while_an_appeal_waits_what_the_decision_settles_is_refused(event: str) -> None:
    """申诉中 is a flag over the state: the state stays, and the changes the office's decision settles wait for it
    (a second appeal among them); a rectification report does not."""
    f = m.Finding(number=7, status=RECTIFIED, appealed_at=datetime.now(UTC))
    assert ledger.paused(f, event) and ledger.appealing(f)
    with pytest.raises(ledger.IllegalTransition):
        await ledger.transition(None, f, event, actor_id=1, at=datetime.now(UTC), message_id=None, raw_text="")
    assert f.status == RECTIFIED
    assert not ledger.paused(f, ledger.RECTIFY) and not ledger.paused(f, ledger.DECIDE_APPEAL)
