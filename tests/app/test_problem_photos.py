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


# After a #问题 list the photos are not one finding's to take: they wait, the finder is asked once a burst which
# finding's they are, and `#照片 Q2` files them (docs/design.md, "Photos").

LIST = "#问题 实验小学 限期5天\n1. 消防通道堆放杂物\n2. 食堂留样记录不全\n3. 楼梯扶手松动"


def _asked(h) -> list[str]:
    return [s.text for s in h.transport.sent if "照片属于哪一项" in s.text]


async def test_photos_after_a_list_wait_and_the_finder_is_asked_which_once_a_burst(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, LIST)
    for i in range(2):
        await h.say(SYXX, ZHOU, files=(photo(f"p{i}.jpg", seed=i),), at=h.clock.now() + 10 * S)
    await h.at(h.clock.now() + 120 * S)
    assert _asked(h) == ["收到照片 2 张。您刚才一次登记了 Q1、Q2、Q3，照片属于哪一项请告诉我：发送“#照片 Q1”（换成对应编号），"
                         "刚发到本群的照片即作为该项的问题照片归档。给另一项配照片，请再发照片，然后发送“#照片 编号”。"]
    assert _acks(h) == [] and await _evidence(h) == [("p0.jpg", None, None), ("p1.jpg", None, None)]  # not Q3's
    done = await h.one(SYXX, ZHOU, "#照片 Q2")
    assert done.text == "已将刚收到的照片 2 张作为 Q2 的问题照片归档（可发送“#查询 Q2”查看）。"
    # the next photos are asked about again, and go where the finder says
    await h.say(SYXX, ZHOU, files=(photo("p2.jpg", seed=2),), at=h.clock.now() + 10 * S)
    await h.say(SYXX, ZHOU, "#照片 Q3", at=h.clock.now() + 5 * S)  # said before the question went out: it is not
    await h.at(h.clock.now() + 120 * S)
    assert len(_asked(h)) == 1
    assert await _evidence(h) == [("p0.jpg", 2, "created"), ("p1.jpg", 2, "created"), ("p2.jpg", 3, "created")]


async def test_photos_of_only_a_just_logged_finding_of_ones_own(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, LIST)
    none = await h.one(SYXX, ZHOU, "#照片 Q1", at=h.clock.now() + 5 * S)
    assert none.text.startswith("没有待归档的照片")
    await h.say(SYXX, ZHOU, files=(photo("p.jpg"),), at=h.clock.now() + 5 * S)
    other = await h.one(SYXX, "wxid_liujianguo", "#照片 Q1", at=h.clock.now() + 5 * S)  # the office: not his own
    assert "不在此列" in other.text
    late = await h.one(SYXX, ZHOU, "#照片 Q1", at=h.clock.now() + 11 * 60 * S)
    assert "不在此列" in late.text and await _evidence(h) == [("p.jpg", None, None)]


async def test_a_withdrawn_finding_does_not_take_its_finders_photos(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物")
    await h.say(SYXX, ZHOU, "#问题 实验小学 食堂留样记录不全", at=h.clock.now() + 30 * S)
    await h.say(SYXX, ZHOU, "#撤销 Q2 重复录入", at=h.clock.now() + 30 * S)
    await h.say(SYXX, ZHOU, files=(photo("p.jpg"),), at=h.clock.now() + 10 * S)
    await h.at(h.clock.now() + 120 * S)
    # neither the withdrawn Q2 nor the earlier Q1 (photos never go to an earlier finding than the last one)
    assert await _evidence(h) == [("p.jpg", None, None)] and _acks(h) == []
    await h.say(SYXX, ZHOU, "#问题 实验小学 楼梯扶手松动", at=h.clock.now() + 10 * S)
    await h.say(SYXX, ZHOU, files=(photo("q.jpg", seed=1),), at=h.clock.now() + 10 * S)
    await h.at(h.clock.now() + 120 * S)
    assert await _evidence(h) == [("p.jpg", None, None), ("q.jpg", 3, "created")]


async def test_a_list_with_all_but_one_withdrawn_gives_that_one_the_photos(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 限期5天\n1. 消防通道堆放杂物\n2. 食堂留样记录不全")
    await h.say(SYXX, ZHOU, "#撤销 Q1 重复录入", at=h.clock.now() + 10 * S)
    await h.say(SYXX, ZHOU, files=(photo("p.jpg"),), at=h.clock.now() + 10 * S)
    await h.at(h.clock.now() + 120 * S)
    assert await _evidence(h) == [("p.jpg", 2, "created")] and _asked(h) == []


async def test_a_photo_label_with_a_colon_is_chat(harness) -> None:
    h = harness  # "照片：" is a common label: not read as a mistyped #照片 (unlike "问题：…")
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物")
    assert await h.say(SYXX, ZHOU, "照片：见群相册", at=h.clock.now() + 5 * S) == []
