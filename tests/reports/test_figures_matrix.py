"""Every figure × every surface, for every month and week of an autumn term, against a computation written here
from the raw events (docs/design.md, "The office's figures").

Two months of the demo county (September–October 2024, the National Day holiday in between): findings closed in
the month after they were logged, a late verification, a failed one, an extension, withdrawals before and after
a month's end, appeals (申诉中 at a month's end: neither 整改逾期 nor 验收超期 then; upheld, overdue again) — and, at the county load of 10-08, a school moved to another district and a school handed to
another supervisor (a past month is counted against the roster of that month). Each month's 通报 (the scheduled chat draft, the draft asked for a month later, the Word document)
and each week's scheduled digest must show, district by district, the figures this file computes by replaying
finding_events forward — a different road from bot.reports.as_of, which reads rows and folds events backwards.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import text

from bot.cli.bootstrap import load_county
from bot.domain.calendar import WorkCalendar
from tests.support.county_files import demo_yaml

TZ = ZoneInfo("Asia/Shanghai")
OFFICE, D1, D2 = "room-office@chatroom", "room-d1@chatroom", "room-d2@chatroom"
SYXX, FXZX = "room-syxx@chatroom", "room-fxzx@chatroom"
ZHOU, CHEN, LIU, YANG = "wxid_zhouyonghong", "wxid_chenjing", "wxid_liujianguo", "wxid_yangzhiqiang"
LIUYANG, HUANGJ, ZHAOM, MAL = "wxid_liuyang", "wxid_huangjun", "wxid_zhaomin", "wxid_malei"
DISTRICTS = ("第一责任区", "第二责任区", "第三责任区")
KEYS = ("visits", "new", "closed", "withdrawn", "open", "rectify_overdue", "verify_late")

TERM = [  # (when, room, sender, text)
    ("2024-09-02T09:00", SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"),  # Q1
    ("2024-09-03T10:00", FXZX, CHEN, "#问题 复兴中学 食品卫生 留样记录不全 限期2天"),  # Q2
    ("2024-09-04T10:00", SYXX, LIUYANG, "#整改 Q1 已清理通道"),  # in time; verified late (9-20)
    ("2024-09-04T11:00", FXZX, HUANGJ, "#申诉 Q2 留样由配餐公司负责"),  # 申诉中 (not overdue) until 10-08
    ("2024-09-05T15:00", SYXX, ZHOU, "#到校 实验小学 检查食堂"),
    ("2024-09-10T09:30", SYXX, ZHOU, "#问题 实验小学 教学常规 教案检查记录缺失 限期5天"),  # Q3
    ("2024-09-12T11:00", D1, LIU, "#问题 葛城小学 安全稳定 围墙破损 限期5天"),  # Q4, withdrawn the next day
    ("2024-09-13T09:00", OFFICE, LIU, "#撤销 Q4 重复录入"),
    ("2024-09-14T10:00", OFFICE, LIU, "#延期 Q3 10天 需重新整理"),  # Q3 due 9-15 → 9-25
    ("2024-09-18T16:00", FXZX, CHEN, "#到校 复兴中学 检查校车"),
    ("2024-09-20T09:00", SYXX, ZHOU, "#验收 Q1 通过"),
    ("2024-09-20T10:00", FXZX, CHEN, "#问题 复兴中学 安全稳定 灭火器过期 限期3天"),  # Q5, withdrawn in October
    ("2024-09-24T10:00", SYXX, LIUYANG, "#整改 Q3 已补齐教案记录"),  # awaiting verification at 9-30
    ("2024-09-25T09:00", SYXX, ZHOU, "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天"),  # Q6
    ("2024-09-26T10:00", SYXX, LIUYANG, "#整改 Q6 已加固"),
    ("2024-09-27T10:00", SYXX, ZHOU, "#验收 Q6 不通过 仍有松动"),  # back to 待整改, due 9-28: overdue at 9-30
    ("2024-10-08T09:30", OFFICE, LIU, "#申诉 Q2 维持 留样属学校食堂职责"),  # its deadline (9-05) stands: overdue
    ("2024-10-08T10:00", SYXX, LIUYANG, "#整改 Q6 已更换扶手"),  # late
    ("2024-10-09T09:00", SYXX, ZHOU, "#验收 Q6 通过"),
    ("2024-10-09T10:00", OFFICE, LIU, "#撤销 Q5 学校已提供合格证明"),
    ("2024-10-09T11:00", D2, YANG, "#问题 巴山小学 安全稳定 食堂灭火器缺失 限期3天"),  # Q7, 巴山 now 杨志强's
    ("2024-10-10T10:00", FXZX, HUANGJ, "#整改 Q2 已补全留样记录"),
    ("2024-10-10T11:00", SYXX, ZHOU, "#问题 实验小学 教学常规 作业批改不及时 限期5天"),  # Q8, open at 10-31
    ("2024-10-11T09:00", FXZX, CHEN, "#验收 Q2 通过"),
    ("2024-10-15T15:00", SYXX, ZHOU, "#到校 实验小学 检查作业"),
    ("2024-10-16T10:00", D2, MAL, "#整改 Q7 已配齐灭火器"),  # awaiting verification, late by 10-31
    ("2024-10-21T10:00", OFFICE, LIU, "#修改 Q3 学校 修齐小学"),  # logged at the wrong school: September keeps it
    ("2024-10-28T10:00", D2, MAL, "#申诉 Q7 灭火器由镇政府统一配发"),  # awaiting verification, 申诉中 at 10-31
]


MOVE_AT = "2024-10-08T08:00:00+08:00"  # the county load of the new month: 复兴中学 to 第一责任区, 巴山小学 to 杨志强
MOVES = {"{name: 城口县复兴中学, short: [复兴中学], district: 第二责任区": "{name: 城口县复兴中学, short: [复兴中学], district: 第一责任区",
         "schools: [城口县复兴中学, 城口县修齐镇中心小学, 城口县巴山镇中心小学]}": "schools: [城口县复兴中学, 城口县修齐镇中心小学]}",
         "schools: [城口县明通镇中学, 城口县坪坝镇中心幼儿园]}": "schools: [城口县明通镇中学, 城口县坪坝镇中心幼儿园, 城口县巴山镇中心小学]}"}


async def _replay(h, tmp_path) -> None:  # noqa: ANN001 — tests.support.harness.Harness, a folder
    moved = False
    for when, room, sender, words in TERM:
        at = f"{when}:00+08:00"
        if not moved and datetime.fromisoformat(at) > datetime.fromisoformat(MOVE_AT):
            await h.at(MOVE_AT)
            await load_county(h.app.db, demo_yaml(tmp_path, edit=MOVES, name="october.yaml"), h.clock)
            moved = True
        replies = await h.say(room, sender, words, at=at)
        assert replies, words


async def _raw(h) -> tuple[dict, dict, list, dict]:  # noqa: ANN001
    async with h.app.db.engine.connect() as conn:
        findings = {r.id: r for r in (await conn.execute(text(
            "SELECT f.id, f.number, f.school_id, f.created_at, p.name AS finder FROM findings f "
            "JOIN people p ON p.id = f.finder_id"))).all()}
        names = dict((await conn.execute(text("SELECT id, name FROM schools"))).all())
        events: dict[int, list] = defaultdict(list)
        for r in (await conn.execute(text("SELECT finding_id, kind, at, data FROM finding_events ORDER BY id"))).all():
            events[r.finding_id].append(r)
        visits = (await conn.execute(text("SELECT s.name AS school, v.at, p.name AS person FROM visits v "
                                          "JOIN schools s ON s.id = v.school_id JOIN people p ON p.id = v.person_id")
                                     )).all()
    return findings, events, visits, names


def _utc(at: datetime | str) -> datetime:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _data(value: object) -> dict:
    import json
    return json.loads(value) if isinstance(value, str) else (value or {})


def _state(events: list, t: datetime, school_id: int) -> dict:
    """Replay one finding's events forward up to `t` (on_time: closed on a report made by the deadline then); its
    school starts where the first school correction says it was, else where it is."""
    moves = [_data(e.data) for e in events if e.kind == "corrected" and _data(e.data).get("field") == "school_id"]
    state = dict(status="open", due=None, reported=None, on_time=False, school=moves[0]["old"] if moves else school_id,
                 appealing=False)
    for e in events:
        if _utc(e.at) >= t:
            break
        data = _data(e.data)
        if e.kind == "created":
            state["due"] = date.fromisoformat(data["due"])
        elif e.kind == "rectified":
            state.update(status="rectified", reported=_utc(e.at))
        elif e.kind == "verify_passed":
            deadline = datetime.combine(state["due"] + timedelta(days=1), time(0), TZ)
            state.update(status="closed", on_time=state["reported"] is not None and state["reported"] < deadline)
        elif e.kind == "verify_failed":
            state.update(status="open", reported=None)
        elif e.kind == "withdrawn":
            state["status"] = "withdrawn"
        elif e.kind == "extended" or (e.kind == "corrected" and data.get("field") == "due_date"):
            state["due"] = date.fromisoformat(data["new"])
        elif e.kind == "corrected" and data.get("field") == "school_id":
            state["school"] = data["new"]
        elif e.kind in ("appealed", "appeal_decided"):
            state["appealing"] = e.kind == "appealed"
    return state


def expected(raw: tuple, since: datetime, t: datetime, district_of: dict[str, str]) -> dict[str, dict]:
    """Per district (and 合计), every figure at `t` for findings logged in [since, t), counted from raw events."""
    findings, events, visits, names = raw
    cal = WorkCalendar()
    out = {d: dict.fromkeys((*KEYS, "on_time", "due"), 0) for d in (*DISTRICTS, "合计")}
    for f in findings.values():
        if _utc(f.created_at) >= t:
            continue
        s = _state(events[f.id], t, f.school_id)
        rows = (out[district_of[names[s["school"]]]], out["合计"])
        deadline = datetime.combine(s["due"] + timedelta(days=1), time(0), TZ)
        late_from = None
        if s["reported"] is not None:
            late_from = datetime.combine(cal.add_workdays(s["reported"].astimezone(TZ).date(), 5)
                                         + timedelta(days=1), time(0), TZ)
        for row in rows:
            if _utc(f.created_at) >= since:
                row["new"] += 1
                row[{"closed": "closed", "withdrawn": "withdrawn"}.get(s["status"], "open")] += 1
                row["on_time"] += s["on_time"]
                row["due"] += s["status"] == "closed" or (s["status"] != "withdrawn" and deadline < t)
            # "deadline before t"; 申诉中 at t pauses both kinds of overdue
            row["rectify_overdue"] += s["status"] == "open" and deadline < t and not s["appealing"]
            row["verify_late"] += s["status"] == "rectified" and late_from < t and not s["appealing"]
    for v in visits:
        if since <= _utc(v.at) < t:
            out[district_of[v.school]]["visits"] += 1
            out["合计"]["visits"] += 1
    return out


def expected_people(raw: tuple, since: datetime, t: datetime) -> dict[str, dict]:
    """Per supervisor: visits and findings logged in [since, t) (those withdrawn by t left out), and the findings
    awaiting their verification past the allowed working days at t (the finder's: every finder here is a 督学)."""
    findings, events, visits, _ = raw
    cal = WorkCalendar()
    out: dict[str, dict] = defaultdict(lambda: dict(visits=0, findings=0, verify_late=0))
    for f in findings.values():
        if _utc(f.created_at) >= t:
            continue
        s = _state(events[f.id], t, f.school_id)
        if since <= _utc(f.created_at) and s["status"] != "withdrawn":
            out[f.finder]["findings"] += 1
        if s["status"] == "rectified" and not s["appealing"]:
            late_from = datetime.combine(cal.add_workdays(s["reported"].astimezone(TZ).date(), 5)
                                         + timedelta(days=1), time(0), TZ)
            out[f.finder]["verify_late"] += late_from < t
    for v in visits:
        if since <= _utc(v.at) < t:
            out[v.person]["visits"] += 1
    return out


def from_assessment(path: str) -> dict[str, dict]:
    import openpyxl

    rows = list(openpyxl.load_workbook(path)["考核"].iter_rows(values_only=True))
    header = list(rows[2])
    col = {name: header.index(name) for name in ("责任督学", "挂牌学校数", "到校次数", "发现问题数", "验收超期")}
    return {r[col["责任督学"]]: dict(schools=r[col["挂牌学校数"]], visits=r[col["到校次数"]],
                                  findings=r[col["发现问题数"]], verify_late=r[col["验收超期"]])
            for r in rows[3:] if r[col["责任督学"]] and r[0]}


async def _district_summary(h, name: str, first: date) -> dict:  # noqa: ANN001
    from bot.reports.district_summary import district_month_values

    roster = await h.app.roster()
    async with h.app.db.reading() as session:
        district = next(d.id for d in roster.districts.values() if d.name == name)
        values = await district_month_values(session, roster, district, first, h.clock.now())
    t = values["totals"]
    return {k: t[k] for k in ("visits", "new", "closed", "withdrawn", "open", "rectify_overdue", "verify_late")}


def _month(first: date) -> tuple[datetime, datetime]:
    nxt = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(0), TZ), datetime.combine(nxt, time(0), TZ)


DISTRICT_LINE = re.compile(r"　　(第.责任区)：到校督导(\d+)次，新发现问题(\d+)个，已销号(\d+)个，(?:已撤销(\d+)个，)?"
                           r"未销号(\d+)个；累计整改逾期(\d+)个，验收超期(\d+)个。")
WEEK_LINE = re.compile(r"· (第.责任区)：新发现(\d+) 已销号(\d+) 未销号(\d+) \| 累计未销号\d+ 整改逾期(\d+)(?: 红色\d+)? "
                       r"验收超期(\d+)")


def from_draft(words: str) -> dict[str, dict]:
    out = {}
    for name, *numbers in DISTRICT_LINE.findall(words):
        v, new, closed, withdrawn, open_, overdue, late = (int(n or 0) for n in numbers)
        out[name] = dict(visits=v, new=new, closed=closed, withdrawn=withdrawn, open=open_, rectify_overdue=overdue,
                         verify_late=late)
    return out


def from_document(path: str) -> dict[str, dict]:
    table = Document(path).tables[0]
    out = {}
    for row in [[c.text for c in r.cells] for r in table.rows][1:]:
        name, v, new, closed, withdrawn, open_, _rate, overdue, late = row
        out[name] = dict(visits=int(v), new=int(new), closed=int(closed), withdrawn=int(withdrawn), open=int(open_),
                         rectify_overdue=int(overdue), verify_late=int(late))
    return out


def from_weekly(words: str) -> dict[str, dict]:
    return {name: dict(new=int(n), closed=int(c), open=int(o), rectify_overdue=int(r), verify_late=int(v))
            for name, n, c, o, r, v in WEEK_LINE.findall(words)}


def _pick(rows: dict[str, dict], keys: tuple[str, ...]) -> dict[str, dict]:
    return {d: {k: rows[d][k] for k in keys} for d in DISTRICTS}


SEPTEMBER = {"城口县实验小学": "第一责任区", "城口县葛城小学": "第一责任区", "城口县复兴中学": "第二责任区",
             "城口县巴山镇中心小学": "第二责任区", "城口县修齐镇中心小学": "第二责任区"}
OCTOBER = dict(SEPTEMBER, 城口县复兴中学="第一责任区")  # from the load of 10-08


def district_map(t: datetime) -> dict[str, str]:
    return OCTOBER if t > datetime.fromisoformat(MOVE_AT) else SEPTEMBER


@pytest.mark.start("2024-09-01T08:00:00+08:00")
async def test_every_month_and_week_of_a_term_agrees_on_every_surface(harness, tmp_path) -> None:  # noqa: ANN001
    h = harness
    await _replay(h, tmp_path)
    await h.at("2024-11-04T09:00:00+08:00")  # every scheduled digest of the term has gone out
    raw = await _raw(h)
    sent = [s for s in h.transport.sent if s.out.room == OFFICE]
    for first in (date(2024, 9, 1), date(2024, 10, 1)):
        since, end = _month(first)
        want = expected(raw, since.astimezone(UTC), end.astimezone(UTC), district_map(end))
        draft = next(s for s in sent if f"关于{first.year}年{first.month}月责任督学挂牌督导工作情况的通报" in s.text
                     and "（草稿" in s.text)
        assert from_draft(draft.text) == _pick(want, KEYS), (draft.text, _pick(want, KEYS))
        again = await h.one(OFFICE, LIU, f"#通报 {first.year}年{first.month}月")
        assert from_draft(again.text) == _pick(want, KEYS), f"draft of {first:%Y-%m} asked later"
        assert _summary(again.text) == _summary(draft.text)  # the opening paragraph too, a month later
        document = await h.one(OFFICE, LIU, f"#通报 文档 {first.year}年{first.month}月")
        got = from_document(document.out.files[0])
        assert {d: got[d] for d in DISTRICTS} == _pick(want, KEYS), f"Word 通报 of {first:%Y-%m}"
        assert got["合计"] == {k: want["合计"][k] for k in KEYS}
        for d in (*DISTRICTS, "合计"):  # 新发现 = 已销号 + 已撤销 + 未销号, everywhere
            assert got[d]["new"] == got[d]["closed"] + got[d]["withdrawn"] + got[d]["open"]
        assert got["合计"] == {k: sum(got[d][k] for d in DISTRICTS) for k in KEYS}  # the total row adds up
        appraisal = from_assessment((await h.one(OFFICE, LIU, f"#考核 {first.year}年{first.month}月")).out.files[0])
        people = expected_people(raw, since.astimezone(UTC), end.astimezone(UTC))
        assert set(appraisal) == {"周永红", "李明", "陈静", "杨志强", "何丽", "吴海波"}
        assert sum(r["visits"] + r["findings"] for r in appraisal.values()) > 0
        for name, row in appraisal.items():
            assert {k: row[k] for k in ("visits", "findings", "verify_late")} == people[name], (first, name)
        held = {"陈静": 3, "杨志强": 2} if first.month == 9 else {"陈静": 3, "杨志强": 3}  # 巴山 changed hands 10-08
        assert {n: appraisal[n]["schools"] for n in held} == held
        for d in DISTRICTS:  # each district's 汇总 draft, asked later: its schools then, its findings as they stood
            summary = await _district_summary(h, d, first)
            assert summary == {k: want[d][k] for k in ("visits", "new", "closed", "withdrawn", "open",
                                                       "rectify_overdue", "verify_late")}, (first, d)
    weeklies = [s for s in sent if s.text.startswith("【督导周报】")]
    covered = set()
    for digest in weeklies:
        match = re.search(r"(\d{4})年第(\d+)周（(\d+)月(\d+)日—(\d+)月(\d+)日", digest.text)
        monday = date(2024, int(match.group(3)), int(match.group(4)))
        assert monday.isocalendar()[1] == int(match.group(2)) and monday.weekday() == 0
        assert date(2024, int(match.group(5)), int(match.group(6))) == monday + timedelta(days=6)
        since = datetime.combine(monday, time(0), TZ)
        week_end = since + timedelta(days=7)
        want = expected(raw, since.astimezone(UTC), week_end.astimezone(UTC), district_map(week_end))
        keys = ("new", "closed", "open", "rectify_overdue", "verify_late")
        assert from_weekly(digest.text) == _pick(want, keys), f"weekly digest of {monday}"
        covered.update(monday + timedelta(days=i) for i in range(7))
    days = {date(2024, 9, 2) + timedelta(days=i) for i in range((date(2024, 11, 4) - date(2024, 9, 2)).days)}
    assert days <= covered, sorted(days - covered)[:5]  # no day of the term falls outside every weekly digest


def _summary(words: str) -> str:
    """The opening paragraph of a 通报 draft: every county-wide figure of the month."""
    return next(line for line in words.splitlines() if re.match(r"　　\d{4}年\d+月，", line))


def _rate(part: int, whole: int) -> str:
    return "—" if not whole else f"{int(100 * part / whole + 0.5)}%"


def _bars(page: str, title: str) -> dict[str, str]:
    section = page.split(f"<h2>{title}</h2>", 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r'class="label">([^<]+)</text>\s*<rect[^>]*></rect>\s*<text[^>]*class="value">([^<]+)</text>',
                           section))


@pytest.mark.start("2024-09-01T08:00:00+08:00")
async def test_at_the_end_of_the_term_chat_desk_and_ledger_agree(harness, tmp_path) -> None:  # noqa: ANN001
    """The whole ledger as of now: #统计 in chat, the desk's charts and 整改台账 (#导出), against the raw events."""
    import httpx
    import openpyxl
    from sqlalchemy import select

    from bot.storage import models as m
    from bot.web.accounts import set_password
    from bot.web.desk import create_app

    h = harness
    await _replay(h, tmp_path)
    await h.at("2024-11-04T10:00:00+08:00")
    now = h.clock.now()
    want = expected(await _raw(h), datetime(2000, 1, 1, tzinfo=UTC), now + timedelta(microseconds=1), OCTOBER)
    stats = (await h.one(OFFICE, LIU, "#统计")).text
    for d in (d for d in DISTRICTS if want[d]["new"]):  # #统计 lists the districts that have findings
        w = want[d]
        assert (f"· {d}：登记{w['new']}，已销号{w['closed']}，未销号{w['open']}，整改逾期{w['rectify_overdue']}，"
                f"验收超期{w['verify_late']}") in stats, stats
    w = want["合计"]
    assert f"整改率 {_rate(w['closed'], w['new'] - w['withdrawn'])}，按期整改率 {_rate(w['on_time'], w['due'])}" in stats
    async with h.app.db.transaction() as s:
        await set_password(s, await s.scalar(select(m.Person).where(m.Person.key == "p-liu")), "matrix-pass-1", now)
    app = create_app(h.app.settings, h.app.db, h.clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
        token = re.search(r'name="csrf" value="([^"]+)"', (await client.get("/login")).text).group(1)
        await client.post("/login", data=dict(csrf=token, username="p-liu", password="matrix-pass-1", next="/charts"))
        page = (await client.get("/charts")).text
    rates, on_time = _bars(page, "各责任区整改率"), _bars(page, "各责任区按期整改率")
    for d in DISTRICTS:
        w = want[d]
        assert rates[d] == _rate(w["closed"], w["new"] - w["withdrawn"]) and on_time[d] == _rate(w["on_time"], w["due"])
    book = await h.one(OFFICE, LIU, "#导出")
    rows = list(openpyxl.load_workbook(book.out.files[0])["整改台账"].iter_rows(values_only=True))
    status = rows[2].index("状态")
    shown, w = Counter(r[status] for r in rows[3:]), want["合计"]
    assert shown["待整改（整改逾期）"] == w["rectify_overdue"] and shown["待验收（验收超期）"] == w["verify_late"], shown
    assert shown["待验收（申诉中）"] == 1  # Q7: its verification waits for the office's decision
    assert shown["已销号"] == w["closed"] and shown["已撤销"] == w["withdrawn"] and len(rows[3:]) == w["new"]
