"""The finding's page says which photos raise doubts — the same photo as another finding's (named and linked only
for a viewer who may see that finding), taken before the finding was logged — and shows the EXIF time and place."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
from sqlalchemy import select

from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from tests.support.camera import file, jpeg, place
from tests.web.conftest import Desk, login


async def _copy_q1_photo_to_q2(desk: Desk) -> None:
    """Q2 (复兴中学) gets the very file of Q1's (城口中学) photo, with a camera time before Q2 was logged."""
    async with desk.db.transaction() as s:
        q1 = await s.get(m.Evidence, desk.photo_id)
        assert q1 is not None and q1.phash is not None  # stored through the chat: hashed on the way in
        q2 = await s.scalar(select(m.Finding).where(m.Finding.number == 2))
        assert q2 is not None
        s.add(m.Evidence(finding_id=q2.id, sender_chat_id="wxid_huangjun", room_chat_id=None, path=q1.path,
                         sha256=q1.sha256, size=q1.size, name="copy.png", mime=q1.mime, received_at=q2.created_at,
                         phash=q1.phash, phash_b0=q1.phash_b0, phash_b1=q1.phash_b1, phash_b2=q1.phash_b2,
                         phash_b3=q1.phash_b3, taken_at=q2.created_at - timedelta(days=20), gps_lat=31.9465,
                         gps_lon=108.6647))


def test_the_office_sees_the_other_finding_named_and_linked(desk: Desk) -> None:
    desk.run(_copy_q1_photo_to_q2(desk))
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/findings/2").text
    assert "其中 1 张照片有疑点" in page
    assert '与<a href="/findings/1">Q1</a>的照片相同' in page
    assert "拍摄时间早于问题登记时间" in page and "位置 31.94650, 108.66470" in page
    q1 = client.get("/findings/1").text
    assert '与<a href="/findings/2">Q2</a>的照片相同' in q1


def test_a_principal_is_not_told_which_finding_of_another_school(desk: Desk) -> None:
    desk.run(_copy_q1_photo_to_q2(desk))
    client = desk.client()
    login(client, "p-huangj")  # 复兴中学's principal: may see Q2, not 城口中学's Q1
    page = client.get("/findings/2").text
    assert "与另一所学校一项问题的照片相同" in page and ">Q1<" not in page and "/findings/1" not in page
    other = desk.client()
    login(other, "p-wangf")  # and 城口中学's principal is not told of 复兴中学's Q2
    q1 = other.get("/findings/1").text
    assert "与另一所学校一项问题的照片相同" in q1 and ">Q2<" not in q1 and "/findings/2" not in q1  # (not a bare "Q2": the CSRF token may hold it)


def test_a_finding_without_doubtful_photos_says_nothing(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/findings/1").text
    assert "有疑点" not in page and "另一所学校" not in page


def test_the_assessment_counts_doubtful_photos_per_school_and_supervisor(desk: Desk) -> None:
    desk.run(_copy_q1_photo_to_q2(desk))
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/assessment", params={"month": "2024-03"}).text
    section = page[page.index("<h2>疑似重复照片</h2>"):]
    rows = re.findall(r'<td data-label="学校">(.*?)</td><td data-label="疑似重复照片">(\d+)</td>'
                      r'<td data-label="照片数">(\d+)</td>', section)
    assert sorted(rows) == [("城口县复兴中学", "1", "1"), ("重庆市城口中学", "1", "1")]
    assert "周永红 1" in section and "陈静 1" in section and "李明 0" in section
    book = openpyxl.load_workbook(io.BytesIO(client.get("/assessment.xlsx", params={"month": "2024-03"}).content))
    sheet = [tuple(r) for r in book["疑似重复照片"].iter_rows(values_only=True)]
    assert sheet[0] == ("对象", "名称", "疑似重复照片", "照片数")
    assert ("学校", "重庆市城口中学", 1, 1) in sheet and ("学校", "城口县复兴中学", 1, 1) in sheet
    assert ("责任督学", "周永红", 1, None) in sheet and ("责任督学", "李明", 0, None) in sheet


def test_the_assessment_without_doubtful_photos_counts_zero(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/assessment", params={"month": "2024-03"}).text
    assert re.search(r'<td data-label="学校">重庆市城口中学</td><td data-label="疑似重复照片">0</td>'
                     r'<td data-label="照片数">1</td>', page)


async def _q2_problem_photo_and_its_fix(desk: Desk) -> None:
    """Q2 (复兴中学): the finder's 问题照片, then a rectification report whose photo is that picture re-encoded
    smaller — stored and attached by the chat's own code."""
    scene = place(41)
    async with desk.db.transaction() as s:
        q2 = await s.scalar(select(m.Finding).where(m.Finding.number == 2))
        assert q2 is not None
        created = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == q2.id,
                                                               m.FindingEvent.kind == "created"))
        assert created is not None
        rows = await evidence.store(s, desk.settings.evidence_dir, [file("problem.jpg", jpeg(scene))],
                                    sender="wxid_chenjing", room=None, at=q2.created_at, message_id=None)
        evidence.attach(rows, created)
        fixed = await ledger.transition(s, q2, ledger.RECTIFY, actor_id=None, at=q2.created_at + timedelta(days=1),
                                        message_id=None, raw_text="#整改 Q2 已清理", note="已清理")
        rows = await evidence.store(s, desk.settings.evidence_dir,
                                    [file("fixed.jpg", jpeg(scene.resize((400, 300)), quality=60))],
                                    sender="wxid_huangjun", room=None, at=fixed.at, message_id=None)
        evidence.attach(rows, fixed)


def test_a_rectification_photo_like_the_problem_photo_is_hinted_and_counted(desk: Desk) -> None:
    desk.run(_q2_problem_photo_and_its_fix(desk))
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/findings/2").text
    assert page.count("与本问题的问题照片几乎相同") == 1 and "其中 1 张照片有疑点" in page
    assessment = client.get("/assessment", params={"month": "2024-03"}).text
    assert re.search(r'<td data-label="学校">城口县复兴中学</td><td data-label="疑似重复照片">1</td>'
                     r'<td data-label="照片数">2</td>', assessment)
