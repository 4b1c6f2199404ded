"""Authenticity hints through the real app, with real photo files: the notice to the verifier says when a photo is
the same as (or nearly the same as) another finding's — naming it only where everyone reading may see it —, nearly
the same as this finding's earlier photo, or taken before the finding was logged. Never a refusal."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.storage import models as m
from tests.support.camera import file, jpeg, malformed_exif, place, with_exif

SYXX, CKZX = "room-syxx@chatroom", "room-ckzx@chatroom"  # 实验小学, 城口中学
ZHOU, LIUYANG, WANGFANG = "wxid_zhouyonghong", "wxid_liuyang", "wxid_wangfang"


async def _report(h, room: str, principal: str, ref: str, *photos) -> str:
    """Photos first, then the report (which gathers them): the report's text in the room. Each report is well
    after the previous one's photo window, so its photos are its own."""
    await h.at(h.clock.now() + timedelta(minutes=30))
    await h.say(room, principal, files=tuple(photos))
    replies = await h.say(room, principal, f"#整改 {ref} 已整改")
    return "\n".join(r.text for r in replies)


async def test_the_same_photo_for_another_school_is_hinted_without_naming_it(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    data = jpeg(place(11))
    first = await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
    assert "已附照片 1 张" in first and "请留意照片" not in first
    second = await _report(h, CKZX, WANGFANG, "Q2", file("same.jpg", data))
    assert "第1张照片与另一所学校一项问题的照片相同" in second and "Q1" not in second
    assert "待验收" in second  # a hint, never a refusal


async def test_a_resized_copy_for_another_finding_of_the_same_school_names_it(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, ZHOU, "#问题 实验小学 墙皮脱落")
    img = place(12)
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", jpeg(img)))
    text = await _report(h, SYXX, LIUYANG, "Q2", file("b.jpg", jpeg(img.resize((320, 240)), quality=60)),
                         file("other.jpg", jpeg(place(13))))
    assert "第1张照片与 Q1 的照片几乎相同" in text and "第2张" not in text


async def test_a_different_photo_of_the_same_place_is_not_hinted(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, ZHOU, "#问题 实验小学 墙皮脱落")
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", jpeg(place(14))))
    text = await _report(h, SYXX, LIUYANG, "Q2", file("b.jpg", jpeg(place(14, retake=True))))
    assert "已附照片 1 张" in text and "请留意照片" not in text


async def test_a_second_report_with_nearly_the_first_reports_photo_is_hinted(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    img = place(15)
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", jpeg(img)))
    text = await _report(h, SYXX, LIUYANG, "Q1", file("again.jpg", jpeg(img, quality=50)))
    assert "第1张照片与本问题此前的照片几乎相同" in text


async def test_a_photo_taken_before_the_finding_was_logged_is_hinted(harness) -> None:
    h = harness  # the clock starts 2024-03-11 09:00 +08:00
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    old = with_exif(place(16), taken="2024:02:20 15:04:00", gps=(31.9465, 108.6647))
    text = await _report(h, SYXX, LIUYANG, "Q1", file("old.jpg", old))
    assert "第1张照片的拍摄时间（2024-02-20 15:04）早于问题登记时间" in text
    async with h.app.db.reading() as s:
        row = (await s.scalars(select(m.Evidence))).one()
    assert (row.gps_lat, row.gps_lon) == (31.9465, 108.6647) and row.phash is not None


async def test_a_malformed_exif_block_never_fails_the_upload(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    text = await _report(h, SYXX, LIUYANG, "Q1", file("bad.jpg", malformed_exif(place(17))))
    assert "已附照片 1 张" in text and "请留意照片" not in text
    async with h.app.db.reading() as s:
        row = (await s.scalars(select(m.Evidence))).one()
    assert row.phash is not None and row.taken_at is None


async def test_a_report_sent_privately_puts_the_hint_in_the_notice_to_the_verifier(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    data = jpeg(place(18))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
    await _report(h, None, WANGFANG, "Q2", file("same.jpg", data))
    notice = [s for s in h.transport.sent if s.text.startswith("王芳校长报告 Q2")]
    assert len(notice) == 1 and notice[0].out.room == CKZX, notice
    assert notice[0].text.endswith("请留意照片（仅供验收参考）：\n· 第1张照片与另一所学校一项问题的照片相同")
