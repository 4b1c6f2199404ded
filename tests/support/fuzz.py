"""A seeded fuzz of the whole path: messages people might send (commands, near-commands, typos, junk, photos) from
anyone in any room, through the real app; then what the bot said is checked against the rules that must hold.

Used by tests/app/test_fuzz.py (a few thousand messages in CI) and benchmarks/fuzz_app.py (100,000)."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from bot.domain.permissions import Action, can
from bot.domain.visibility import room_shows
from bot.messages import InboundFile
from bot.storage import models as m
from tests.support.harness import Harness
from tests.support.photos import image_bytes

APOLOGY = "处理时出了问题"
ROOMS = ["room-office@chatroom", "room-d1@chatroom", "room-d2@chatroom", "room-d3@chatroom", "room-ckzx@chatroom",
         "room-syxx@chatroom", "room-fxzx@chatroom", "room-jgyey@chatroom", "room-unbound@chatroom", None]
SCHOOL_WORDS = ["城口中学", "城中", "县一中", "实验小学", "实小", "葛城小学", "机关幼儿园", "复兴中学", "修齐小学", "巴山小学",
                "明通中学", "坪坝幼儿园", "庙坝小学", "北屏学校", "东安中学", "咸宜小学", "沿河幼儿园", "中心小学", "城口二中",
                "城口", "第一责任区", "第二", "复兴"]
WORDS = ["问题", "发现", "督查", "整改", "已整改", "整改完成", "验收", "销号", "撤销", "延期", "修改", "申请延期", "驳回",
         "查询", "清单", "统计", "到校", "导出", "帮助", "自查", "月报", "汇总", "开学检查", "周报", "通报", "请假", "销假",
         "绑定", "本群", "哈哈"]
TAILS = ["通过", "不通过 仍有隐患", "已整改完成", "5天 需采购", "描述 更正后的描述", "类别 食品卫生", "期限 下周五前", "严重",
         "逾期", "待验收", "安全稳定", "学校 城口中学", "责任区 第一责任区", "督导室", "解除", "完成 发现问题2个",
         "3月20日-3月22日", "123456", "确认", "限期3天", "月底前", "2个工作日", "3月1日前", "13月40日前", "", "；'\"=SUM(A1)",
         "\ud800", "\x00", "🙂🙂", "Q", "-Q3"]


@dataclass
class Outcome:
    messages: int = 0
    apologies: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


def _ids(rng: random.Random) -> str:
    n = rng.randint(1, 25)
    return rng.choice([f"Q{n}", f"q{n}", str(n), f"Q{n}、Q{n + 1}", f"Q{n}-Q{n + 2}", f"Q00{n}"])


def message(rng: random.Random, serial: int) -> str:
    """One message text; findings get a unique marker so a leak of their description can be seen."""
    kind = rng.random()
    if kind < 0.3:
        school = rng.choice(SCHOOL_WORDS) if rng.random() < 0.8 else ""
        return f"#问题 {school} 隐患{serial}号 {rng.choice(TAILS)}"
    if kind < 0.7:
        return f"{rng.choice(['#', '＃', '@督导助手 ', ''])}{rng.choice(WORDS)} {_ids(rng)} {rng.choice(TAILS)}"
    if kind < 0.85:
        return f"#{rng.choice(WORDS)} {rng.choice(SCHOOL_WORDS)} {rng.choice(TAILS)}"
    return "".join(rng.choice("#@Q12 问题整改，：:;\n\t中学城口\u3000\ud800🙂") for _ in range(rng.randint(0, 20)))


async def run(h: Harness, n: int, seed: int = 0) -> Outcome:
    rng = random.Random(seed)
    async with h.app.db.reading() as s:
        roster, _ = await h.app.app.rosters.get(s)
    people = [p.chat_id for p in roster.people.values() if p.chat_id] + ["wxid_stranger"]
    out = Outcome()
    for i in range(n):
        files = ()
        if rng.random() < 0.05:
            files = (InboundFile("p.png", image_bytes("png", seed=i) if rng.random() < 0.7 else b"junk", "image/png"),)
        sent = await h.say(rng.choice(ROOMS), rng.choice(people), "" if files else message(rng, i), files=files,
                           at=h.clock.now() + timedelta(seconds=rng.randint(1, 400)))
        out.messages += 1
        for s in sent:
            if APOLOGY in s.text:
                out.apologies.append(s.text)
        out.leaks += await leaks(h, roster, sent)
    return out


async def leaks(h: Harness, roster, sent) -> list[str]:  # noqa: ANN001 — a Roster and harness Sent records
    """Replies that show a finding's description where it may not be shown (a room or person that may not see
    its school). The short acknowledgements name an id and where the details went, never a description."""
    found = []
    marks = {int(n) for s in sent for n in re.findall(r"隐患(\d+)号", s.text)}
    if not marks:
        return found
    async with h.app.db.reading() as s:
        rows = (await s.execute(select(m.Finding.description, m.Finding.school_id))).all()
    school_of = {int(n): sid for d, sid in rows for n in re.findall(r"隐患(\d+)号", d)}
    for s in sent:
        for n in {int(x) for x in re.findall(r"隐患(\d+)号", s.text)}:
            school = roster.schools.get(school_of.get(n))
            if school is None:
                continue  # not a finding (a refused or questioned message echoed back to its sender)
            if s.out.room is not None:
                ok = room_shows(roster.rooms.get(s.out.room), school)
            else:
                actor = roster.actor(s.out.to)
                ok = can(actor, Action.VIEW, school_id=school.id, district_id=school.district_id)
            if not ok:
                found.append(f"{s.out.room or s.out.to}: {s.text[:120]}")
    return found
