"""问题照片 through the real app: the photos a finder sends after his #问题 (same room, or the same private chat,
within the evidence window) attach to the finding he logged, a burst acknowledged once; someone else's photo does
not; #查询 counts them apart from the 整改照片; the 整改通知书's hook picks them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.reports.notice_doc import problem_photos
from bot.storage import models as m
from tests.support.photos import photo, photos

SYXX = "room-syxx@chatroom"  # 实验小学督导联络群
ZHOU, LIUYANG = "wxid_zhouyonghong", "wxid_liuyang"  # 周永红 (督学), 刘洋 (实验小学校长)
S = timedelta(seconds=1)


async def _evidence(h) -> list[tuple[str, int | None, str | None]]:
    """(file name, finding number, kind of the event it is attached to) of every stored photo, in order."""
    async with h.app.db.reading() as s:
        rows = await s.execute(select(m.Evidence.name, m.Finding.number, m.FindingEvent.kind).select_from(m.Evidence)
                               .outerjoin(m.Finding, m.Finding.id == m.Evidence.finding_id)
                               .outerjoin(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id)
                               .order_by(m.Evidence.id))
        return [tuple(r) for r in rows]


def _acks(h) -> list[str]:
    return [s.text for s in h.transport.sent if s.text.startswith("已收到")]


async def test_the_finders_photos_in_the_room_attach_to_his_finding_acknowledged_once(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物 限期3天")
    for i, name in enumerate(("a.jpg", "b.jpg", "c.png")):
        assert await h.say(SYXX, ZHOU, files=(photo(name, seed=i),), at=h.clock.now() + 10 * S) == []
    await h.at(h.clock.now() + 120 * S)
    assert _acks(h) == ["已收到 Q1 的问题照片 3 张，已归档（可发送“#查询 Q1”查看）。"]
    assert await _evidence(h) == [("a.jpg", 1, "created"), ("b.jpg", 1, "created"), ("c.png", 1, "created")]
    query = await h.one(SYXX, ZHOU, "#查询 Q1")
    assert "问题照片：3 张" in query.text and "整改照片（佐证）：0 张" in query.text


async def test_the_finders_photos_in_his_private_chat_attach_too(harness) -> None:
    h = harness
    await h.say(None, ZHOU, "#问题 实验小学 楼梯扶手松动")
    await h.say(None, ZHOU, files=photos("a.jpg", "b.jpg"), at=h.clock.now() + 30 * S)
    await h.at(h.clock.now() + 120 * S)
    assert _acks(h) == ["已收到 Q1 的问题照片 2 张，已归档（可发送“#查询 Q1”查看）。"]
    assert [r[1:] for r in await _evidence(h)] == [(1, "created"), (1, "created")]


async def test_someone_elses_photo_or_a_photo_elsewhere_or_too_late_is_not_attached(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物")
    await h.say(SYXX, LIUYANG, files=(photo("principal.jpg"),), at=h.clock.now() + 10 * S)  # another person
    await h.say(None, ZHOU, files=(photo("private.jpg", seed=1),), at=h.clock.now() + 10 * S)  # another chat
    await h.say(SYXX, ZHOU, files=(photo("late.jpg", seed=2),), at=h.clock.now() + 11 * 60 * S)  # past the window
    await h.at(h.clock.now() + 120 * S)
    assert _acks(h) == []
    assert await _evidence(h) == [("principal.jpg", None, None), ("private.jpg", None, None), ("late.jpg", None, None)]


async def test_problem_photos_and_rectification_photos_stay_apart(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物")
    await h.say(SYXX, ZHOU, files=(photo("problem.jpg"),), at=h.clock.now() + 5 * S)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已清理通道", at=h.clock.now() + 60 * S)
    await h.say(SYXX, LIUYANG, files=(photo("fixed.jpg", seed=1),), at=h.clock.now() + 5 * S)
    await h.at(h.clock.now() + 120 * S)
    assert _acks(h) == ["已收到 Q1 的问题照片 1 张，已归档（可发送“#查询 Q1”查看）。",
                        "已收到 Q1 的整改照片 1 张，已归档（可发送“#查询 Q1”查看）。"]
    assert await _evidence(h) == [("problem.jpg", 1, "created"), ("fixed.jpg", 1, "rectified")]
    query = await h.one(SYXX, ZHOU, "#查询 Q1")
    assert "问题照片：1 张" in query.text and "整改照片（佐证）：1 张" in query.text
    async with h.app.db.reading() as s:  # the 整改通知书 shows the problem's photo, not the school's
        finding = await s.scalar(select(m.Finding).where(m.Finding.number == 1))
        shown = await problem_photos(s, finding, h.app.settings.evidence_dir)
    assert [p.path.read_bytes() == photo("problem.jpg").data for p in shown] == [True]


async def test_a_photo_after_a_later_finding_goes_to_that_one(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物")
    await h.say(SYXX, ZHOU, files=(photo("one.jpg"),), at=h.clock.now() + 5 * S)
    await h.say(SYXX, ZHOU, "#问题 实验小学 食堂留样记录不全", at=h.clock.now() + 60 * S)
    await h.say(SYXX, ZHOU, files=(photo("two.jpg", seed=1),), at=h.clock.now() + 5 * S)
    await h.at(h.clock.now() + 120 * S)
    assert await _evidence(h) == [("one.jpg", 1, "created"), ("two.jpg", 2, "created")]
    assert sorted(_acks(h)) == ["已收到 Q1 的问题照片 1 张，已归档（可发送“#查询 Q1”查看）。",
                                "已收到 Q2 的问题照片 1 张，已归档（可发送“#查询 Q2”查看）。"]
