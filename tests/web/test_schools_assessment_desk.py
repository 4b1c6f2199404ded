"""The desk's 学校综合督导考核 (/schools-assessment) per role, on the cycle desk of 22 March 2024 (tests/web/conftest.py):
城口中学 has Q1 rectified but not verified and its 自查 on time → 按期整改率 0, 整改率 0, 整改逾期 100, 自查 100 → 40.0;
复兴中学 has Q2 overdue and its 自查 late → 0, 0, 80, 0 → 16.0; every other school no finding and no 自查 → 50.0.
A principal sees the own school's breakdown only — not another school by URL, filter or download."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.storage import models as m
from tests.web.conftest import Desk, login

CK, FX, GC, SY = "重庆市城口中学", "城口县复兴中学", "城口县葛城小学", "城口县实验小学"


def _districts(desk: Desk) -> dict[str, int]:
    async def read() -> dict[str, int]:
        async with desk.db.reading() as s:
            return {name: did for did, name in (await s.execute(select(m.District.id, m.District.name))).all()}
    return desk.run(read())


def _as(desk: Desk, key: str):  # noqa: ANN202 — a logged-in TestClient
    client = desk.client()
    login(client, key)
    return client


def test_the_office_sees_every_school_and_filters_by_district(cycle_desk: Desk) -> None:
    client = _as(cycle_desk, "p-liu")
    page = client.get("/schools-assessment")
    assert page.status_code == 200 and "学校综合督导考核 · 2024年3月" in page.text
    assert 'href="/schools-assessment"' in page.text  # in the nav
    for name in (CK, FX, GC, "城口县沿河乡幼儿园", "40.0", "16.0", "50.0", "按期整改率 36"):
        assert name in page.text, name
    second = _districts(cycle_desk)["第二责任区"]
    only = client.get("/schools-assessment", params={"month": "2024-03", "district": second})
    assert only.status_code == 200 and FX in only.text and CK not in only.text and "第二责任区，" in only.text
    one = client.get("/schools-assessment", params={"month": "2024-03", "school": cycle_desk.schools[FX]})
    assert "综合得分 <strong>16.0</strong> 分" in one.text and "在全县16所学校中排第 16 名" in one.text


def test_a_district_lead_sees_the_district_only(cycle_desk: Desk) -> None:
    client = _as(cycle_desk, "p-zhou")
    page = client.get("/schools-assessment")
    assert page.status_code == 200 and CK in page.text and SY in page.text and FX not in page.text
    other = client.get("/schools-assessment", params={"district": _districts(cycle_desk)["第二责任区"]})
    assert other.status_code == 403 and FX not in other.text
    assert client.get("/schools-assessment", params={"school": cycle_desk.schools[FX]}).status_code == 403
    sheet = client.get("/schools-assessment.xlsx", params={"month": "2024-03"})
    names = [r[2] for r in load_workbook(io.BytesIO(sheet.content))["全县排名"].iter_rows(values_only=True)][3:]
    assert sheet.status_code == 200 and len(names) == 5 and FX not in names


def test_a_supervisor_sees_the_assigned_schools(cycle_desk: Desk) -> None:
    page = _as(cycle_desk, "p-li").get("/schools-assessment")
    assert page.status_code == 200 and GC in page.text and "城口县机关幼儿园" in page.text
    assert CK not in page.text and FX not in page.text and "您负责的学校" in page.text


def test_a_principal_sees_the_own_breakdown_and_nothing_else(cycle_desk: Desk) -> None:
    client = _as(cycle_desk, "p-wangf")
    page = client.get("/schools-assessment")
    assert page.status_code == 200 and 'href="/schools-assessment"' in client.get("/ledger").text
    assert "综合得分 <strong>40.0</strong> 分" in page.text
    assert "在第一责任区5所学校中排第 5 名，在全县16所学校中排第 15 名" in page.text
    for other in (FX, GC, SY, "16.0", "50.0"):
        assert other not in page.text, other
    assert 'name="district"' not in page.text  # no district filter to offer
    for params in ({"school": cycle_desk.schools[FX]}, {"district": _districts(cycle_desk)["第二责任区"]},
                   {"school": "abc"}):
        refused = client.get("/schools-assessment", params=params)
        assert refused.status_code == 403 and FX not in refused.text and "16.0" not in refused.text, params
        assert client.get("/schools-assessment.xlsx", params=params).status_code == 403
    sheet = client.get("/schools-assessment.xlsx", params={"month": "2024-03"})
    rows = list(load_workbook(io.BytesIO(sheet.content))["全县排名"].iter_rows(values_only=True))[3:]
    assert [r[2] for r in rows] == [CK] and rows[0][3:6] == (40.0, 15, 5)


def test_a_bad_period_is_said_and_a_login_is_needed(cycle_desk: Desk) -> None:
    client = _as(cycle_desk, "p-liu")
    page = client.get("/schools-assessment", params={"month": "2024-13"})
    assert page.status_code == 200 and "没能看懂“2024-13”" in page.text and "下面是本月的情况" in page.text
    assert client.get("/schools-assessment.xlsx", params={"month": "2024-13"}).status_code == 400
    for path in ("/schools-assessment", "/schools-assessment.xlsx"):
        answer = cycle_desk.client().get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
