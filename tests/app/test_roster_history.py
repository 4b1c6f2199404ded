"""Roster history on a real database (SQLite and PostgreSQL): the county sync writes the spans as it changes the
roster, and roster_at / supervision_between / districts_between read the roster as it stood."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.cli.bootstrap import load_county, open_database
from bot.clock import VirtualClock
from bot.domain.roster import Roster, RosterAt
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_history import HISTORY_START, districts_between, roster_at, supervision_between
from bot.storage.roster_repo import load_roster
from tests.support.county_files import demo_yaml

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")
T1 = datetime.fromisoformat("2024-04-15T10:00:00+08:00")  # the change
T2 = datetime.fromisoformat("2024-05-20T10:00:00+08:00")
SECOND = timedelta(seconds=1)
FUXING, YANHE = "城口县复兴中学", "城口县沿河乡幼儿园"
WU_SCHOOLS = "schools: [城口县东安镇中学, 城口县咸宜镇中心小学, 城口县沿河乡幼儿园]}"
YANG_SCHOOLS = "schools: [城口县明通镇中学, 城口县坪坝镇中心幼儿园]}"
MOVED = {f"{{name: {FUXING}, short: [复兴中学], district: 第二责任区": f"{{name: {FUXING}, short: [复兴中学], district: 第一责任区",
         WU_SCHOOLS: "schools: [城口县东安镇中学, 城口县咸宜镇中心小学]}",  # 沿河 goes from 吴海波 to 杨志强
         YANG_SCHOOLS: "schools: [城口县明通镇中学, 城口县坪坝镇中心幼儿园, 城口县沿河乡幼儿园]}"}
REMOVED = {f"  - {{name: {YANHE}, short: [沿河幼儿园], district: 第三责任区, type: 幼儿园}}\n": "",
           WU_SCHOOLS: "schools: [城口县东安镇中学, 城口县咸宜镇中心小学]}",
           "  - {id: p-tangx, name: 唐霞, role: 园长, chat_id: wxid_tangxia, school: 城口县沿河乡幼儿园}\n": ""}


async def _ids(db: Database) -> dict[str, int]:
    async with db.reading() as s:
        rows = [*await s.execute(select(m.School.name, m.School.id)), *await s.execute(select(m.Person.key, m.Person.id)),
                *await s.execute(select(m.District.name, m.District.id))]
    return {name: row_id for name, row_id in rows}


async def _spans(db: Database) -> list[tuple]:
    async with db.reading() as s:
        d = m.SchoolDistrictSpan
        s_ = m.SupervisionSpan
        return [*(("d", *r) for r in await s.execute(select(d.id, d.school_id, d.district_id, d.starts_at, d.ends_at)
                                                     .order_by(d.id))),
                *(("s", *r) for r in await s.execute(select(s_.id, s_.person_id, s_.school_id, s_.starts_at,
                                                            s_.ends_at).order_by(s_.id)))]


async def _at(session, roster: Roster, at: datetime) -> RosterAt:  # noqa: ANN001
    """roster_at from the live roster's differences, checked against every span valid at `at` (a stale roster)."""
    fast = await roster_at(session, roster, at)
    assert fast == await roster_at(session, replace(roster, version=-1), at)
    return fast


async def _county(db_url: str, tmp_path: Path) -> Database:
    db = await open_database(db_url)
    await load_county(db, demo_yaml(tmp_path, name="demo.yaml"), VirtualClock(T0))
    return db


async def test_a_first_load_dates_its_spans_from_the_history_start_and_a_reload_writes_nothing(
        db_url: str, tmp_path: Path) -> None:
    db = await _county(db_url, tmp_path)
    try:
        spans = await _spans(db)
        assert len([s for s in spans if s[0] == "d"]) == 16 and len([s for s in spans if s[0] == "s"]) == 16
        assert {s[-2] for s in spans} == {HISTORY_START} and {s[-1] for s in spans} == {None}
        await load_county(db, demo_yaml(tmp_path, name="again.yaml"), VirtualClock(T1))
        assert await _spans(db) == spans
    finally:
        await db.dispose()


async def test_a_district_move_and_a_reassignment_end_one_span_and_start_another(db_url: str, tmp_path: Path) -> None:
    db = await _county(db_url, tmp_path)
    try:
        await load_county(db, demo_yaml(tmp_path, edit=MOVED), VirtualClock(T1))
        ids = await _ids(db)
        fuxing, yanhe, wu, yang = ids[FUXING], ids[YANHE], ids["p-wu"], ids["p-yang"]
        one, two = ids["第一责任区"], ids["第二责任区"]
        changed = [s[2:] for s in await _spans(db) if s[-1] is not None or s[-2] != HISTORY_START]
        assert changed == [(fuxing, two, HISTORY_START, T1), (fuxing, one, T1, None),
                                            (wu, yanhe, HISTORY_START, T1), (yang, yanhe, T1, None)]
        async with db.reading() as s:
            roster = await load_roster(s)
            before, after = await _at(s, roster, T1 - SECOND), await _at(s, roster, T1)
        assert (before.district_of[fuxing], after.district_of[fuxing]) == (two, one)
        assert (before.schools[fuxing].district_id, after.schools[fuxing].district_id) == (two, one)
        assert after.schools[fuxing] is roster.schools[fuxing] and before.schools[fuxing].name == FUXING
        assert (before.supervisors_of(yanhe), after.supervisors_of(yanhe)) == ([wu], [yang])
        assert yanhe in before.supervised[wu] and yanhe not in after.supervised[wu]
        assert len(before.schools) == len(after.schools) == 16 and before.at == T1 - SECOND
    finally:
        await db.dispose()


async def test_between_two_instants_a_reassignment_splits_the_period(db_url: str, tmp_path: Path) -> None:
    db = await _county(db_url, tmp_path)
    try:
        await load_county(db, demo_yaml(tmp_path, edit=MOVED), VirtualClock(T1))
        ids = await _ids(db)
        since, until = T1 - timedelta(days=14), T1 + timedelta(days=16)
        async with db.reading() as s:
            held = await supervision_between(s, since, until)
            districts = await districts_between(s, since, until)
            later = await supervision_between(s, T1, until)
        assert held[ids["p-wu"]][ids[YANHE]] == (since, T1)
        assert held[ids["p-yang"]][ids[YANHE]] == (T1, until)
        assert held[ids["p-zhou"]] == {ids[n]: (since, until) for n in ("重庆市城口中学", "城口县第一中学", "城口县实验小学")}
        assert districts[ids[FUXING]] == [(ids["第二责任区"], since, T1), (ids["第一责任区"], T1, until)]
        assert districts[ids["重庆市城口中学"]] == [(ids["第一责任区"], since, until)] and len(districts) == 16
        assert ids[YANHE] not in later[ids["p-wu"]]  # [T1, …) no longer overlaps the ended span
    finally:
        await db.dispose()


async def test_a_school_removed_then_added_again_has_a_gap(db_url: str, tmp_path: Path) -> None:
    db = await _county(db_url, tmp_path)
    try:
        await load_county(db, demo_yaml(tmp_path, edit=REMOVED), VirtualClock(T1))
        ids = await _ids(db)
        yanhe, wu, three = ids[YANHE], ids["p-wu"], ids["第三责任区"]
        async with db.reading() as s:
            roster = await load_roster(s)  # the live roster no longer has the school: its name is read from the table
            assert yanhe not in roster.schools
            before, gone = await _at(s, roster, T1 - SECOND), await _at(s, roster, T1 + SECOND)
        assert before.district_of[yanhe] == three and before.schools[yanhe].name == YANHE
        assert before.schools[yanhe].short_names == ("沿河幼儿园",) and before.supervisors_of(yanhe) == [wu]
        assert yanhe not in gone.district_of and yanhe not in gone.schools and gone.supervisors_of(yanhe) == []

        await load_county(db, demo_yaml(tmp_path, name="back.yaml"), VirtualClock(T2))
        mine = [s[2:] for s in await _spans(db) if (s[2] if s[0] == "d" else s[3]) == yanhe]
        assert mine == [(yanhe, three, HISTORY_START, T1), (yanhe, three, T2, None),
                        (wu, yanhe, HISTORY_START, T1), (wu, yanhe, T2, None)]
        async with db.reading() as s:
            districts = await districts_between(s, T0, T2 + SECOND)
            held = await supervision_between(s, T0, T2 + SECOND)
            roster = await load_roster(s)
            back = [await _at(s, roster, t) for t in (T0, T1 - SECOND, T1, T2 - SECOND, T2)]
        assert [yanhe in r.district_of for r in back] == [True, True, False, False, True]
        assert [r.supervisors_of(yanhe) for r in back] == [[wu], [wu], [], [], [wu]]
        assert districts[yanhe] == [(three, T0, T1), (three, T2, T2 + SECOND)]
        assert held[wu][yanhe] == (T0, T2 + SECOND)  # two pieces, merged from the first start to the last end
    finally:
        await db.dispose()
