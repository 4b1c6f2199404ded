"""Acting from a finding's page (bot/web/acts.py): each form runs the chat command's handler through the chat app
(bot/cli/bootstrap.py DeskActs) — the same permission check, event and notices (read back from the outbox) — for a
role that may and one that may not; a stale form, a double submit, CSRF, and a bad photo among good ones.

The desk's seed (tests/web/conftest.py): Q1 at 城口中学, rectified (finder 周永红, 第一责任区's lead); Q2 at 复兴中学,
open (finder 陈静); logins for the office (p-liu), 城口中学's principal (p-wangf), 复兴中学's (p-huangj), 周永红
(p-zhou) and 李明 (p-li, a supervisor of other schools)."""
from __future__ import annotations

import re
import struct
import zlib

from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.cli.bootstrap import desk_acts
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.web.desk import create_app
from tests.support.photos import photo
from tests.web.conftest import CKZX, FXZX, Desk, csrf_of, login


def bomb_png(side: int = 30000) -> bytes:
    """A 68-byte PNG that claims side × side pixels (900 million): a decompression bomb to Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))


def acting_app(desk: Desk) -> Starlette:
    """The desk as `dudao web` builds it: its actions through a chat app of its own."""
    return create_app(desk.settings, desk.db, desk.clock, acts=desk_acts(desk.settings, desk.clock, desk.db))


def person(desk: Desk, username: str, app: Starlette | None = None) -> TestClient:
    client = desk.client(app=app or acting_app(desk))
    assert login(client, username).status_code == 303
    return client


def form_of(html: str, kind: str) -> dict[str, str]:
    """The hidden fields of the page's form for `kind` (csrf, kind, once, version)."""
    once = re.search(rf'name="kind" value="{kind}">\s*<input type="hidden" name="once" value="([^"]+)">\s*'
                     r'<input type="hidden" name="version" value="(\d+)">', html)
    assert once is not None, f"no {kind} form on the page"
    return dict(csrf=csrf_of(html), kind=kind, once=once.group(1), version=once.group(2))


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'name="kind" value="(\w+)"', html))


def post(client: TestClient, number: int, kind: str, files=None, **fields: str):  # noqa: ANN001, ANN201
    page = client.get(f"/findings/{number}")
    assert page.status_code == 200
    data = {**form_of(page.text, kind), **fields}
    return client.post(f"/findings/{number}/act", data=data, files=files)


def forged(desk: Desk, client: TestClient, number: int, kind: str, **fields: str):  # noqa: ANN201
    """A form the page did not offer, built by hand with the finding's current version."""
    page = client.get(f"/findings/{number}")
    data = dict(csrf=csrf_of(page.text), kind=kind, once=f"forged-{kind}-token-0000000", version=str(_version(desk, number)),
                **fields)
    return client.post(f"/findings/{number}/act", data=data)


def _version(desk: Desk, number: int) -> int:
    async def read() -> int:
        async with desk.db.reading() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == number))
            return int(await s.scalar(select(func.max(m.FindingEvent.id))
                                      .where(m.FindingEvent.finding_id == finding.id)) or 0)
    return desk.run(read())


def state(desk: Desk, number: int) -> tuple[str, str, int]:
    """(status, the newest event's raw text, how many outbox rows there are)."""
    async def read() -> tuple[str, str, int]:
        async with desk.db.reading() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == number))
            event = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id)
                                   .order_by(m.FindingEvent.id.desc()).limit(1))
            rows = await s.scalar(select(func.count()).select_from(m.OutboxMessage))
            return finding.status, event.raw_text, int(rows or 0)
    return desk.run(read())


def outbox_after(desk: Desk, count: int) -> list[m.OutboxMessage]:
    async def read() -> list[m.OutboxMessage]:
        async with desk.db.reading() as s:
            return list(await s.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id).offset(count)))
    return desk.run(read())


def client_for(desk: Desk, username: str) -> TestClient:
    return person(desk, username)


def test_verify_passes_from_the_desk_as_in_chat(desk: Desk) -> None:
    before = state(desk, 1)[2]
    zhou = client_for(desk, "p-zhou")
    assert "verify" in forms_on(zhou.get("/findings/1").text)
    answer = post(zhou, 1, "verify", outcome="通过", reason="通道已畅通")
    assert answer.status_code == 200
    assert "办理结果" in answer.text and "销号" in answer.text
    status, raw, _ = state(desk, 1)
    assert status == ledger.CLOSED
    assert raw == "[网页] 周永红：#验收 Q1 通过 通道已畅通"
    notices = outbox_after(desk, before)
    assert [n.room_chat_id for n in notices] == [CKZX]  # the school hears it; the actor's answer is on the page
    assert "Q1" in notices[0].text and "wxid_wangfang" in notices[0].mentions
    assert "verify" not in forms_on(answer.text)  # closed: nothing left to verify


def test_verify_fail_needs_a_reason_and_a_principal_may_not_verify(desk: Desk) -> None:
    before = state(desk, 1)
    zhou = client_for(desk, "p-zhou")
    no_reason = post(zhou, 1, "verify", outcome="不通过")
    assert "原因" in no_reason.text and state(desk, 1) == before  # the chat's need_reason, nothing changed
    wang = client_for(desk, "p-wangf")
    assert "verify" not in forms_on(wang.get("/findings/1").text)
    refused = forged(desk, wang, 1, "verify", outcome="通过")
    assert refused.status_code == 200 and "办理结果" in refused.text
    assert "校长" in refused.text or "督学" in refused.text  # the chat's refusal names the role
    assert state(desk, 1) == before  # no state, no event, no notice
    failed = post(zhou, 1, "verify", outcome="不通过", reason="标识不清楚")
    assert "退回整改" in failed.text
    assert state(desk, 1)[:2] == (ledger.OPEN, "[网页] 周永红：#验收 Q1 不通过 标识不清楚")
    assert [n.room_chat_id for n in outbox_after(desk, before[2])] == [CKZX]


def test_rectification_report_with_photos_keeps_the_good_ones(desk: Desk) -> None:
    before = state(desk, 2)[2]
    huang = client_for(desk, "p-huangj")
    assert "rectify" in forms_on(huang.get("/findings/2").text)
    good1, good2 = photo("a.jpg", seed=11), photo("b.png", seed=12)
    desk.settings.evidence_max_mb = 0.5  # the chat's size limit, low enough for a test file to pass it
    files = [("photos", ("a.jpg", good1.data, "image/jpeg")), ("photos", ("fake.jpg", b"not an image", "image/jpeg")),
             ("photos", ("bomb.png", bomb_png(), "image/png")),
             ("photos", ("huge.png", good2.data + b"\0" * 600_000, "image/png")),
             ("photos", ("b.png", good2.data, "image/png"))]
    answer = post(huang, 2, "rectify", files=files, note="已修好排水沟，地面干燥")
    assert answer.status_code == 200
    said = re.search(r'<section class="card said.*?</section>', answer.text, re.S).group(0)
    assert "fake.jpg" in said and "bomb.png" in said and "huge.png" in said  # each refused by name, as in chat
    assert "b.png" not in said.replace("bomb.png", "")
    status, raw, _ = state(desk, 2)
    assert (status, raw) == (ledger.RECTIFIED, "[网页] 黄军：#整改 Q2 已修好排水沟，地面干燥")

    async def kept() -> int:
        async with desk.db.reading() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 2))
            return int(await s.scalar(select(func.count()).select_from(m.Evidence)
                                      .where(m.Evidence.finding_id == finding.id)) or 0)
    assert desk.run(kept()) == 2
    assert answer.text.count('src="/evidence/') == 2
    notices = outbox_after(desk, before)
    assert notices and all(n.to_chat_id != "wxid_huangjun" for n in notices)
    assert any("Q2" in n.text and "整改" in n.text for n in notices)


def test_a_principal_of_another_school_cannot_see_or_report(desk: Desk) -> None:
    wang = client_for(desk, "p-wangf")
    assert wang.get("/findings/2").status_code == 404
    page = wang.get("/findings/1")
    data = dict(csrf=csrf_of(page.text), kind="rectify", once="another-school-token-0001", version="1", note="x")
    assert wang.post("/findings/2/act", data=data).status_code == 404
    zhou = client_for(desk, "p-zhou")  # a district lead may see Q1 but not report its rectification
    before = state(desk, 1)
    refused = forged(desk, zhou, 1, "rectify", note="已整改")
    assert "办理结果" in refused.text and state(desk, 1) == before


def test_withdraw_by_the_finder_and_not_by_the_principal(desk: Desk) -> None:
    huang = client_for(desk, "p-huangj")
    assert "withdraw" not in forms_on(huang.get("/findings/2").text)
    before = state(desk, 2)
    refused = forged(desk, huang, 2, "withdraw", reason="重复")
    assert "办理结果" in refused.text and state(desk, 2) == before
    office = client_for(desk, "p-liu")
    done = post(office, 2, "withdraw", reason="与Q1重复录入")
    assert "撤销" in done.text
    # "与Q1…" after the id would read as a second id in chat (#撤销 Q2与Q1 …): the desk keeps it the reason
    assert state(desk, 2)[:2] == (ledger.WITHDRAWN, "[网页] 刘建国：#撤销 Q2 ：与Q1重复录入")
    assert state(desk, 1)[0] == ledger.RECTIFIED
    assert [n.room_chat_id for n in outbox_after(desk, before[2])] == [FXZX]


def test_extend_and_amend_by_the_office_only(desk: Desk) -> None:
    huang = client_for(desk, "p-huangj")
    shown = forms_on(huang.get("/findings/2").text)
    assert {"extend", "amend"}.isdisjoint(shown) and {"rectify", "request"} <= shown
    before = state(desk, 2)
    assert "办理结果" in forged(desk, huang, 2, "extend", deadline="5天", reason="材料未到").text
    assert state(desk, 2) == before
    office = client_for(desk, "p-liu")
    extended = post(office, 2, "extend", deadline="5天", reason="设备到货延迟")
    assert "延期" in extended.text
    assert state(desk, 2)[1] == "[网页] 刘建国：#延期 Q2 5天 设备到货延迟"
    amended = post(office, 2, "amend", field="类别", value="安全稳定")
    assert "修改" in amended.text
    after = state(desk, 2)
    assert after[1] == "[网页] 刘建国：#修改 Q2 类别 安全稳定"
    assert [n.room_chat_id for n in outbox_after(desk, before[2])] == [FXZX, FXZX]


def test_extension_request_then_refuse_then_approve(desk: Desk) -> None:
    huang, office = client_for(desk, "p-huangj"), client_for(desk, "p-liu")
    before = state(desk, 2)[2]
    asked = post(huang, 2, "request", deadline="10天", reason="等待维修队")
    assert "申请" in asked.text
    assert state(desk, 2)[1] == "[网页] 黄军：#申请延期 Q2 10天 等待维修队"
    assert outbox_after(desk, before)  # the office and the finder hear of it
    assert {"approve", "refuse"}.isdisjoint(forms_on(huang.get("/findings/2").text))
    assert "办理结果" in forged(desk, huang, 2, "refuse", reason="不行").text  # a principal may not answer it
    assert state(desk, 2)[1].startswith("[网页] 黄军：#申请延期")
    shown = forms_on(office.get("/findings/2").text)
    assert {"approve", "refuse"} <= shown
    refused = post(office, 2, "refuse", reason="期限已够")
    assert "驳回" in refused.text and state(desk, 2)[1] == "[网页] 刘建国：#驳回 Q2 期限已够"
    post(huang, 2, "request", deadline="7天", reason="材料未到")
    count = state(desk, 2)[2]
    approved = post(office, 2, "approve")
    assert "延期" in approved.text
    raw = state(desk, 2)[1]
    assert re.fullmatch(r"\[网页\] 刘建国：#延期 Q2 \d{4}-\d{2}-\d{2} 同意延期申请", raw)
    assert [n.room_chat_id for n in outbox_after(desk, count)] == [FXZX]


def test_a_stale_form_is_refused_saying_what_changed(desk: Desk) -> None:
    app = acting_app(desk)
    zhou, office = person(desk, "p-zhou", app), person(desk, "p-liu", app)
    old = form_of(zhou.get("/findings/1").text, "verify")
    post(office, 1, "verify", outcome="通过")  # meanwhile
    before = state(desk, 1)
    stale = zhou.post("/findings/1/act", data={**old, "outcome": "不通过", "reason": "不行"})
    assert stale.status_code == 409
    assert "有了变化" in stale.text and "验收通过，销号（刘建国" in stale.text
    assert state(desk, 1) == before


def test_a_double_submit_acts_once(desk: Desk) -> None:
    office = client_for(desk, "p-liu")
    data = {**form_of(office.get("/findings/2").text, "extend"), "deadline": "3天", "reason": "节假日"}
    first = office.post("/findings/2/act", data=data)
    before = state(desk, 2)
    data["version"] = str(_version(desk, 2))  # even with the version the page now has: the same form
    again = office.post("/findings/2/act", data=data)
    assert "办理结果" in first.text and "已经提交过" in again.text
    assert state(desk, 2) == before

    async def extensions() -> int:
        async with desk.db.reading() as s:
            return int(await s.scalar(select(func.count()).select_from(m.FindingEvent)
                                      .where(m.FindingEvent.kind == ledger.EXTEND)) or 0)
    assert desk.run(extensions()) == 1


def test_csrf_missing_or_wrong_does_nothing(desk: Desk) -> None:
    office = client_for(desk, "p-liu")
    data = {**form_of(office.get("/findings/2").text, "withdraw"), "reason": "重复"}
    before = state(desk, 2)
    for csrf in (None, "wrong-token"):
        sent = {k: v for k, v in data.items() if k != "csrf"}
        if csrf:
            sent["csrf"] = csrf
        answer = office.post("/findings/2/act", data=sent)
        assert answer.status_code == 403 and "表单已过期" in answer.text
    assert state(desk, 2) == before
    assert "撤销" in office.post("/findings/2/act", data=data).text  # the same form with its token works


def test_a_read_only_desk_offers_no_action(desk: Desk) -> None:
    office = desk.client()
    login(office, "p-liu")
    page = office.get("/findings/2")
    assert forms_on(page.text) == set()
    data = dict(csrf=csrf_of(page.text), kind="withdraw", once="read-only-desk-token-01", version="1", reason="x")
    assert office.post("/findings/2/act", data=data).status_code == 400


def test_urge_reaches_the_school_room_now(desk: Desk) -> None:
    huang = client_for(desk, "p-huangj")
    assert "urge" not in forms_on(huang.get("/findings/2").text)
    before = state(desk, 2)
    refused = forged(desk, huang, 2, "urge", note="快点")
    assert "督办由责任督学或督导室办理" in refused.text and state(desk, 2) == before
    office = client_for(desk, "p-liu")
    assert "urge" not in forms_on(office.get("/findings/1").text)  # 待验收: nothing for the school to do
    done = post(office, 2, "urge", note="本周五前完成")
    assert "督办" in done.text and "已在" in done.text
    assert state(desk, 2)[:2] == (ledger.OPEN, "[网页] 刘建国：#督办 Q2 本周五前完成")
    notices = outbox_after(desk, before[2])
    assert [n.room_chat_id for n in notices] == [FXZX]
    assert "【督办】Q2" in notices[0].text and "本周五前完成" in notices[0].text
    assert "wxid_huangjun" in notices[0].mentions


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page(desk: Desk) -> None:
    office = client_for(desk, "p-liu")
    data = {**form_of(office.get("/findings/2").text, "withdraw"), "reason": "重复"}
    before = state(desk, 2)
    office.cookies.clear()
    answer = office.post("/findings/2/act", data=data, headers={"referer": "http://testserver/findings/2"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/findings/2"
    assert state(desk, 2) == before
    elsewhere = office.post("/findings/2/act", data=data, headers={"referer": "http://evil.example/findings/2"})
    assert elsewhere.headers["location"] == "/login?next=/ledger"
