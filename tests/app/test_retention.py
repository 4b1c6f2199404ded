"""Storage that stays bounded (bot/storage/retention.py): after a sweep, handled-message keys and sent outbox rows
older than RETENTION_DAYS are gone — in batches, within a time budget —, findings, events and photos stay; a
setting shorter than the transports' redelivery windows is raised to them, so a redelivery inside the window is
still answered once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.messages import Inbound
from bot.storage import models as m
from bot.storage import retention
from bot.transports.wechaty.gateway import Timing
from bot.transports.wecom.wecom_config import WecomTiming
from tests.support.photos import photo

SYXX = "room-syxx@chatroom"
ZHOU, LIUYANG = "wxid_zhouyonghong", "wxid_liuyang"
DAY = timedelta(days=1)


async def _count(h, model) -> int:  # noqa: ANN001
    async with h.app.db.reading() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_old_bookkeeping_goes_and_the_ledger_stays(harness) -> None:  # noqa: ANN001
    h = harness
    h.app.settings = h.app.settings.model_copy(update={"retention_days": 30})
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", files=(photo("a.png"),))
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    old_keys, old_sent = await _count(h, m.HandledMessage), await _count(h, m.OutboxMessage)
    assert old_keys > 0 and old_sent > 0
    await h.at(h.clock.now() + 20 * DAY)
    await h.say(SYXX, ZHOU, "#查询 Q1")
    await h.app.sweep()
    assert await _count(h, m.HandledMessage) > old_keys  # 20 days: nothing pruned yet
    await h.at(h.clock.now() + 15 * DAY)  # the first messages are 35 days old, the last one 15
    await h.app.sweep()
    async with h.app.db.reading() as s:
        oldest = await s.scalar(select(func.min(m.HandledMessage.at)))
        sent = list(await s.scalars(select(m.OutboxMessage.sent_at).where(m.OutboxMessage.status == "sent")))
    assert oldest >= h.clock.now() - 30 * DAY and all(t >= h.clock.now() - 30 * DAY for t in sent)
    assert 0 < await _count(h, m.HandledMessage) < old_keys
    assert (await _count(h, m.Finding), await _count(h, m.Evidence)) == (1, 1)
    assert await _count(h, m.FindingEvent) >= 2


async def test_pruning_goes_in_batches_within_its_budget(harness) -> None:  # noqa: ANN001
    h = harness
    for i in range(7):
        await h.say(SYXX, ZHOU, f"#查询 Q{i + 1}")
    keys = await _count(h, m.HandledMessage)
    later = h.clock.now() + 200 * DAY
    first = await retention.prune(h.app.db, later, 180, batch=2, budget=0)  # one batch, then the budget is spent
    assert not first.done and first.handled == 2 and await _count(h, m.HandledMessage) == keys - 2
    rest = await retention.prune(h.app.db, later, 180, batch=2, budget=60)
    assert rest.done and await _count(h, m.HandledMessage) == 0 and await _count(h, m.OutboxMessage) == 0


async def test_a_too_short_retention_still_answers_a_redelivery_once(harness) -> None:  # noqa: ANN001
    h = harness
    h.app.settings = h.app.settings.model_copy(update={"retention_days": 0})
    first = await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动", msg_id="wx-1")
    assert len(first) >= 1
    sent_at = h.clock.now()
    await h.at(sent_at + DAY + timedelta(hours=1))  # past a day: what RETENTION_DAYS=0 would have pruned
    await h.app.sweep()
    again = await h.app.handle(Inbound(
        room=SYXX, sender=ZHOU, text="#问题 实验小学 扶手松动", at=sent_at, message_id="wx-1"))
    assert again is False and await _count(h, m.Finding) == 1


def test_the_minimum_covers_every_transports_redelivery_window() -> None:
    assert retention.effective_days(0) == retention.effective_days(1) == retention.MIN_RETENTION_DAYS
    assert retention.effective_days(180) == 180
    windows = {
        "wecom reply window": WecomTiming().reply_window,
        "wecom create_time believed": DAY,  # bot/transports/wecom/callbacks.py: within a day of our clock
        "wechaty catch-up": Timing().catchup + Timing().replay_margin + timedelta(days=1),  # + a day of skew at most
    }
    assert all(window <= retention.MIN_RETENTION for window in windows.values()), windows


async def test_a_simulated_stretch_levels_off(tmp_path) -> None:  # noqa: ANN001
    """benchmarks/retention_year.py, tiny: 40 days at 20 messages a day kept 10 days — the bookkeeping stops
    growing once the retention is reached, and so (its freed pages reused) does the file."""
    from benchmarks.retention_year import simulate

    days = await simulate(tmp_path / "year.db", days=40, messages=20, replies=10, findings=1, retention_days=10)
    keys = [kept for _, _, kept, _ in days]
    assert keys[4] < keys[9] == keys[25] == keys[39] == 20 * 4 * 10  # ten days of keys, then no more
    size = {day: size for day, size, _, _ in days}
    assert size[40] <= size[20] * 1.05, size
