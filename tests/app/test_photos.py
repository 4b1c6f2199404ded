"""Rectification photos through the real app: only real images are kept, each photo belongs to the nearest report,
and each burst of photos is acknowledged once, after the burst."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import InboundFile
from bot.storage import models as m
from tests.support.photos import photo, photos

SYXX = "room-syxx@chatroom"  # 实验小学督导联络群
ZHOU, LIUYANG = "wxid_zhouyonghong", "wxid_liuyang"
S = timedelta(seconds=1)


async def _findings(h, n: int = 1) -> None:
    for i in range(n):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 扶手松动{i + 1}")


async def _evidence(h) -> list[tuple[str, int | None]]:
    """(file name, finding number) of every stored photo, in order."""
    async with h.app.db.reading() as s:
        rows = await s.execute(select(m.Evidence.name, m.Finding.number).outerjoin(m.Finding)
                               .order_by(m.Evidence.id))
        return [tuple(r) for r in rows]


async def _later(h, seconds: float) -> None:
    await h.at(h.clock.now() + seconds * S)


async def test_a_text_file_named_png_is_refused_and_not_stored(harness) -> None:
    h = harness
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    replies = await h.say(SYXX, LIUYANG, files=(InboundFile("x.png", "这不是图片".encode(), "image/png"),))
    assert [r.text for r in replies] == ["文件“x.png”不是图片，没有归档。\n整改照片请直接发图片。"]
    await _later(h, 120)
    assert await _evidence(h) == [] and len(h.transport.sent) == 3  # finding, report, refusal: no acknowledgement
    assert not [p for p in h.app.settings.evidence_dir.rglob("*") if p.is_file()]  # nothing written to disk


async def test_a_document_shared_in_a_group_is_not_answered_unless_a_report_waits(harness) -> None:
    h = harness
    pdf = InboundFile("3月工作安排.pdf", b"%PDF-1.4 ...", "application/pdf")
    assert await h.say("room-office@chatroom", "wxid_liujianguo", files=(pdf,)) == []  # ordinary sharing
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    replies = await h.say(SYXX, LIUYANG, files=(pdf,))  # while a report waits for photos: a word
    assert len(replies) == 1 and "不是图片" in replies[0].text and await _evidence(h) == []


async def test_an_image_over_the_limit_is_refused(harness) -> None:
    h = harness
    h.app.settings.evidence_max_mb = 0.01  # 10 KB
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    big = photo("big.png", size=(100, 100), noise=True)
    replies = await h.say(SYXX, LIUYANG, files=(big,))
    assert [r.text for r in replies] == ["照片“big.png”超过0.01MB，没有归档，请压缩后重发。"]
    assert await _evidence(h) == []


async def test_several_files_keep_the_good_ones_and_name_the_refused(harness) -> None:
    h = harness
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    files = (photo("a.jpg"), InboundFile("b.png", b"not an image", "image/png"), photo("c.png", seed=3))
    replies = await h.say(SYXX, LIUYANG, files=files)
    assert len(replies) == 1 and "“b.png”不是图片" in replies[0].text and "a.jpg" not in replies[0].text
    await _later(h, 60)
    assert h.transport.sent[-1].text.startswith("已收到 Q1 的整改照片 2 张")
    assert await _evidence(h) == [("a.jpg", 1), ("c.png", 1)]


async def test_a_burst_of_three_photos_is_acknowledged_once_after_the_burst(harness) -> None:
    h = harness
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    for i in range(3):
        await _later(h, 10)
        assert await h.say(SYXX, LIUYANG, files=(photo(f"{i}.jpg", seed=i),), msg_id=f"p{i}") == []
    last = h.clock.now()
    await _later(h, 59)
    assert len(h.transport.sent) == 2  # still within the burst: nothing yet
    await _later(h, 1)
    ack = h.transport.sent[-1]
    assert ack.text == "已收到 Q1 的整改照片 3 张，已归档（可发送“#查询 Q1”查看）。"
    assert ack.at >= last + 60 * S and ack.out.in_reply_to == "p0" and ack.out.room == SYXX
    await _later(h, 600)
    assert len(h.transport.sent) == 3


async def test_a_photo_right_after_a_report_is_acknowledged(harness) -> None:
    h = harness
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(photo(),), at=h.clock.now() + 5 * S)
    await _later(h, 60)
    assert h.transport.sent[-1].text.startswith("已收到 Q1 的整改照片 1 张")


async def test_two_bursts_for_two_findings(harness) -> None:
    h = harness
    await _findings(h, 2)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(photo("a.jpg"),), at=h.clock.now() + 10 * S)
    await h.say(SYXX, LIUYANG, files=(photo("b.jpg", seed=1),), at=h.clock.now() + 10 * S)
    q2 = await h.one(SYXX, LIUYANG, "#整改 Q2 已修复", at=h.clock.now() + 40 * S)
    assert "已附照片" not in q2.text  # both photos are nearer to the report of Q1
    await h.say(SYXX, LIUYANG, files=(photo("c.jpg", seed=2),), at=h.clock.now() + 10 * S)
    await _later(h, 300)
    acks = [s.text for s in h.transport.sent if s.text.startswith("已收到")]
    assert acks == ["已收到 Q1 的整改照片 2 张，已归档（可发送“#查询 Q1”查看）。",
                    "已收到 Q2 的整改照片 1 张，已归档（可发送“#查询 Q2”查看）。"]
    assert await _evidence(h) == [("a.jpg", 1), ("b.jpg", 1), ("c.jpg", 2)]


async def test_a_gap_longer_than_the_burst_starts_a_new_acknowledgement(harness) -> None:
    h = harness
    await _findings(h)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=photos("a.jpg", "b.jpg"))
    await h.say(SYXX, LIUYANG, files=(photo("c.jpg", seed=5),), at=h.clock.now() + 90 * S)
    await _later(h, 60)
    acks = [s.text.split("，")[0] for s in h.transport.sent if s.text.startswith("已收到")]
    assert acks == ["已收到 Q1 的整改照片 2 张", "已收到 Q1 的整改照片 1 张"]


async def test_a_photo_nearer_to_the_next_report_moves_to_it(harness) -> None:
    h = harness
    await _findings(h, 2)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(photo(),), at=h.clock.now() + 8 * 60 * S)
    q2 = await h.one(SYXX, LIUYANG, "#已整改 Q2 已修复", at=h.clock.now() + 5 * S)
    assert "已附照片 1 张（其中 1 张原先归入 Q1，因发送时间更接近本次报告，已改归 Q2）" in q2.text
    await _later(h, 600)
    assert not [s for s in h.transport.sent if s.text.startswith("已收到")]  # the Q1 acknowledgement was withdrawn
    assert await _evidence(h) == [("p.png", 2)]
    async with h.app.db.reading() as s:
        row = (await s.scalars(select(m.Evidence))).one()
        event = await s.get(m.FindingEvent, row.event_id)
        statuses = set(await s.scalars(select(m.OutboxMessage.status)))
    assert event.kind == "rectified" and event.finding_id == row.finding_id and statuses == {"sent", "cancelled"}
    record = await h.one(SYXX, ZHOU, "#查询 Q1")
    assert "整改照片（佐证）：0 张" in record.text


async def test_a_photo_nearer_to_the_earlier_report_stays_with_it(harness) -> None:
    h = harness
    await _findings(h, 2)
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(photo(),), at=h.clock.now() + 10 * S)
    q2 = await h.one(SYXX, LIUYANG, "#整改 Q2 已修复", at=h.clock.now() + 60 * S)
    assert "已附照片" not in q2.text and "直接发到本群" in q2.text
    await _later(h, 120)
    assert [s.text.split("，")[0] for s in h.transport.sent if s.text.startswith("已收到")] == ["已收到 Q1 的整改照片 1 张"]
    assert await _evidence(h) == [("p.png", 1)]


async def test_a_photo_with_no_report_is_ordinary_chat(harness) -> None:
    h = harness
    await _findings(h)
    assert await h.say(SYXX, LIUYANG, files=(photo(),)) == []
    await _later(h, 600)
    assert len(h.transport.sent) == 1 and await _evidence(h) == [("p.png", None)]


async def test_a_report_in_a_private_chat_asks_for_photos_here(harness) -> None:
    h = harness
    await _findings(h)
    reply = await h.one(None, LIUYANG, "#整改 Q1 已加固")
    assert "直接发给我" in reply.text and "本群" not in reply.text and reply.out.to == LIUYANG
    await h.say(None, LIUYANG, files=(photo(),), at=h.clock.now() + 30 * S)
    await _later(h, 60)
    ack = h.transport.sent[-1]
    assert ack.out.to == LIUYANG and ack.text.startswith("已收到 Q1 的整改照片 1 张")
