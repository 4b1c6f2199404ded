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


# Photos after the report (the usual order: `#整改 Q3 …`, then the photos). The report's notice is gone by then, so
# the hints they raise reach the verifier with the burst's one acknowledgement (or, when the notice went elsewhere,
# in a message of their own there), once a burst.

D1 = "room-d1@chatroom"  # 第一责任区督导群: 城口县第一中学 has no room of its own
ZHANGWEI = "wxid_zhangwei"  # 城口县第一中学's principal


async def _after(h, room: str | None, principal: str, ref: str, *bursts: tuple) -> list:
    """The report first, then each burst of photos (10 s apart within a burst, bursts 3 minutes apart); what the
    bot sent after the report, once every burst's acknowledgement is due."""
    await h.at(h.clock.now() + timedelta(minutes=30))
    await h.say(room, principal, f"#整改 {ref} 已整改")
    start = len(h.transport.sent)
    for burst in bursts:
        for photo in burst:
            await h.say(room, principal, files=(photo,), at=h.clock.now() + timedelta(seconds=10))
        await h.at(h.clock.now() + timedelta(minutes=3))
    return h.transport.sent[start:]


async def test_a_copy_of_another_schools_photo_after_the_report_is_told_with_the_acknowledgement(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    data = jpeg(place(21))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
    sent = await _after(h, CKZX, WANGFANG, "Q2", (file("mine.jpg", jpeg(place(22))), file("same.jpg", data)))
    assert len(sent) == 1, [s.text for s in sent]  # one message for the burst: its acknowledgement, with the hint
    ack = sent[0]
    assert ack.out.room == CKZX and ack.text.startswith("已收到 Q2 的整改照片 2 张")
    assert ack.text.endswith("请留意照片（仅供验收参考）：\n· 第2张照片与另一所学校一项问题的照片相同")
    assert "Q1" not in ack.text and ack.out.mentions == (ZHOU,)  # the verifier is called to it


async def test_a_burst_after_the_report_without_doubt_is_only_acknowledged(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    sent = await _after(h, CKZX, WANGFANG, "Q1", (file("a.jpg", jpeg(place(23))),),
                        (file("b.jpg", jpeg(place(24))),))
    assert [s.text for s in sent] == ["已收到 Q1 的整改照片 1 张，已归档（可发送“#查询 Q1”查看）。"] * 2
    assert all(s.out.mentions == () for s in sent)


async def test_photos_after_a_private_report_tell_the_room_the_notice_went_to(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    data = jpeg(place(25))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
    sent = await _after(h, None, WANGFANG, "Q2", (file("same.jpg", data), file("copy.jpg", data)))
    by_place = {(s.out.room, s.out.to): s for s in sent}
    assert set(by_place) == {(None, WANGFANG), (CKZX, None)}, [s.text for s in sent]
    ack = by_place[(None, WANGFANG)]
    assert ack.text == "已收到 Q2 的整改照片 2 张，已归档（可发送“#查询 Q2”查看）。"  # the principal is not told
    there = by_place[(CKZX, None)]
    assert there.text == ("王芳校长补发了 Q2（重庆市城口中学）的整改照片 2 张。\n请留意照片（仅供验收参考）：\n"
                          "· 第1张照片与另一所学校一项问题的照片相同\n· 第2张照片与另一所学校一项问题的照片相同")
    assert there.out.mentions == (ZHOU,)


async def test_photos_with_and_after_the_report_are_each_told_once(harness) -> None:
    h = harness  # with the report: in its notice; after it: with the burst's acknowledgement
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    first, second = jpeg(place(26)), jpeg(place(27))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", first), file("b.jpg", second))
    report = await _report(h, CKZX, WANGFANG, "Q2", file("a.jpg", first))
    assert "第1张照片与另一所学校一项问题的照片相同" in report
    await h.say(CKZX, WANGFANG, files=(file("b.jpg", second),), at=h.clock.now() + timedelta(seconds=20))
    await h.at(h.clock.now() + timedelta(minutes=3))
    told = [s.text for s in h.transport.sent if "另一所学校一项问题" in s.text]
    assert len(told) == 2 and told[1].startswith("已收到 Q2 的整改照片 1 张")
    assert told[1].endswith("· 第1张照片与另一所学校一项问题的照片相同")


async def test_a_photo_after_the_report_like_the_problems_own_photo_is_hinted(harness) -> None:
    h = harness
    scene = place(28)
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    await h.say(CKZX, ZHOU, files=(file("problem.jpg", jpeg(scene)),), at=h.clock.now() + timedelta(seconds=20))
    sent = await _after(h, CKZX, WANGFANG, "Q1", (file("fixed.jpg", jpeg(scene.resize((400, 300)), quality=60)),))
    assert [s.text.splitlines()[-1] for s in sent] == ["· 第1张照片与本问题的问题照片几乎相同"]


async def test_a_photo_after_the_report_taken_before_the_finding_is_hinted(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    old = with_exif(place(29), taken="2024:02:20 15:04:00")
    sent = await _after(h, CKZX, WANGFANG, "Q1", (file("old.jpg", old),))
    assert [s.text.splitlines()[-1] for s in sent] == ["· 第1张照片的拍摄时间（2024-02-20 15:04）早于问题登记时间"]


async def test_photos_moved_to_a_new_report_take_their_hint_with_them(harness) -> None:
    h = harness  # a private report: the hints wait in the school's room; photos nearer a second report move to it
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    await h.say(CKZX, ZHOU, "#问题 城口中学 楼梯灯损坏")
    data = jpeg(place(30))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
    await h.at(h.clock.now() + timedelta(minutes=30))
    await h.say(None, WANGFANG, "#整改 Q2 已清理")
    await h.say(None, WANGFANG, files=(file("same.jpg", data),), at=h.clock.now() + timedelta(seconds=50))
    start = len(h.transport.sent)
    await h.say(None, WANGFANG, "#整改 Q3 已更换", at=h.clock.now() + timedelta(seconds=5))
    await h.at(h.clock.now() + timedelta(minutes=3))
    texts = [s.text for s in h.transport.sent[start:]]
    assert not any("补发了 Q2" in t or "已收到 Q2" in t for t in texts), texts  # Q2's hint went with its photo
    notice = [t for t in texts if t.startswith("王芳校长报告 Q3")]
    assert len(notice) == 1 and notice[0].endswith("· 第1张照片与另一所学校一项问题的照片相同")


async def test_a_rectification_photo_like_the_problems_own_photo_is_hinted_in_the_notice(harness) -> None:
    h = harness  # photos first, then the report that gathers them: its notice says it
    scene = place(31)
    await h.say(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物")
    await h.say(CKZX, ZHOU, files=(file("problem.jpg", jpeg(scene)),), at=h.clock.now() + timedelta(seconds=20))
    text = await _report(h, CKZX, WANGFANG, "Q1", file("same.jpg", jpeg(scene)),
                         file("near.jpg", jpeg(scene.resize((400, 300)), quality=60)), file("new.jpg", jpeg(place(32))))
    assert ("请留意照片（仅供验收参考）：\n· 第1张照片与本问题的问题照片相同\n"
            "· 第2张照片与本问题的问题照片几乎相同\n请周永红督学验收") in text
    again = await _report(h, CKZX, WANGFANG, "Q1", file("near.jpg", jpeg(scene, quality=40)))
    # like the problem's photo and like the earlier report's: said once, as the stronger doubt
    assert "请留意照片（仅供验收参考）：\n· 第1张照片与本问题的问题照片几乎相同\n请周永红督学验收" in again


# Where a message is read by people who may see the other finding's school — a district room of its district, the
# office room — it is named there (bot/domain/visibility.py); the principal's own answer still does not name it.

FXZX, HUANGJUN = "room-fxzx@chatroom", "wxid_huangjun"  # 复兴中学 (第二责任区)


async def _three_schools(h) -> tuple[bytes, bytes]:
    """Q1 实验小学 and Q2 复兴中学 with a photo each; Q3 城口县第一中学 (第一责任区, no room of its own: its
    people are told in the district's room)."""
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(FXZX, "wxid_chenjing", "#问题 复兴中学 食堂地面积水")
    await h.say(D1, ZHOU, "#问题 县一中 插线板私拉乱接")
    same_district, other_district = jpeg(place(33)), jpeg(place(34))
    await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", same_district))
    await _report(h, FXZX, HUANGJUN, "Q2", file("b.jpg", other_district))
    return same_district, other_district


async def test_the_district_room_is_told_which_finding_of_its_district(harness) -> None:
    h = harness
    same_district, other_district = await _three_schools(h)
    await _report(h, None, ZHANGWEI, "Q3", file("a.jpg", same_district), file("b.jpg", other_district))
    answer = [s.text for s in h.transport.sent if s.out.to == ZHANGWEI and "Q3" in s.text]
    assert len(answer) == 1 and "· 第1张照片与另一所学校一项问题的照片相同\n· 第2张照片与另一所学校一项问题的照片相同" in answer[0]
    notice = [s for s in h.transport.sent if s.text.startswith("张伟校长报告 Q3")]
    assert len(notice) == 1 and notice[0].out.room == D1
    assert notice[0].text.endswith("· 第1张照片与 Q1 的照片相同\n· 第2张照片与另一所学校一项问题的照片相同")
    assert "Q2" not in notice[0].text


async def test_photos_after_the_report_name_the_district_finding_in_the_district_room(harness) -> None:
    h = harness
    same_district, other_district = await _three_schools(h)
    sent = await _after(h, None, ZHANGWEI, "Q3", (file("a.jpg", same_district), file("b.jpg", other_district)))
    there = [s for s in sent if s.out.room == D1]
    assert len(there) == 1 and there[0].text == (
        "张伟校长补发了 Q3（城口县第一中学）的整改照片 2 张。\n请留意照片（仅供验收参考）：\n"
        "· 第1张照片与 Q1 的照片相同\n· 第2张照片与另一所学校一项问题的照片相同")
    mine = [s.text for s in sent if s.out.to == ZHANGWEI]
    assert mine == ["已收到 Q3 的整改照片 2 张，已归档（可发送“#查询 Q3”查看）。"]


async def test_a_report_in_the_district_room_names_its_districts_finding_there(harness) -> None:
    h = harness  # the principal reports in the district room, where his school's people are: one message does both
    same_district, _ = await _three_schools(h)
    text = await _report(h, D1, ZHANGWEI, "Q3", file("a.jpg", same_district))
    assert "· 第1张照片与 Q1 的照片相同" in text


async def test_without_a_room_for_the_school_each_verifier_is_told_privately(county_db_url, tmp_path) -> None:
    from tests.support.county_files import demo_yaml
    from tests.support.harness import Harness

    # 城口县第一中学 has no room and its district's room is gone: its people are told privately
    county = demo_yaml(tmp_path, edit={"  - {chat_id: room-d1@chatroom, name: 第一责任区督导群, scope: district, "
                                       "district: 第一责任区}\n": ""})
    h = await Harness.create(county_db_url, tmp_path, county)
    try:
        await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
        await h.say(None, ZHOU, "#问题 县一中 插线板私拉乱接")
        data = jpeg(place(35))
        await _report(h, SYXX, LIUYANG, "Q1", file("a.jpg", data))
        sent = await _after(h, None, ZHANGWEI, "Q2", (file("same.jpg", data),))
        told = [s for s in sent if s.out.to == ZHOU]
        # 周永红 supervises 实验小学 too: Q1 is named to him
        assert len(told) == 1 and told[0].text == (
            "张伟校长补发了 Q2（城口县第一中学）的整改照片 1 张。\n请留意照片（仅供验收参考）：\n· 第1张照片与 Q1 的照片相同")
        assert [s.text for s in sent if s.out.to == ZHANGWEI] == ["已收到 Q2 的整改照片 1 张，已归档（可发送“#查询 Q2”查看）。"]
    finally:
        await h.close()
