"""The audit log (issue #22, part 5): logins, failed and throttled logins, logouts (one device or all) and
downloads are recorded with the client's address; the office reads them at /audit, no one else; what an anonymous
client typed is neutralised; entries older than AUDIT_RETENTION_DAYS go when the desk starts and once a day."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.storage import models as m
from tests.web.conftest import Desk, csrf_of, login


def _entries(desk: Desk) -> list[tuple[str, str, str, str]]:
    async def read() -> list[tuple[str, str, str, str]]:
        async with desk.db.reading() as s:
            rows = await s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id))
            return [(e.kind, e.actor, e.address, e.detail) for e in rows]
    return desk.run(read())


def test_logins_logouts_throttling_and_downloads_are_recorded(desk: Desk) -> None:
    desk.settings = desk.settings.model_copy(update={"web_trusted_proxies": "10.0.0.1"})
    app = desk.app()
    office = desk.client("198.51.100.7", app=app)
    assert login(office, "p-liu").status_code == 303
    for url in ("/ledger.xlsx?status=open", "/assessment.xlsx", "/bulletin.docx", "/ledger"):
        assert office.get(url).status_code == 200, url
    office.post("/logout", data=dict(csrf=csrf_of(office.get("/ledger").text)))
    attacker = desk.client("10.0.0.1", app=app)  # through the trusted proxy: the client's own address counts
    attacker.headers["x-forwarded-for"] = "203.0.113.66"
    for _ in range(8):
        login(attacker, "p-wangf", "wrong")
    phone = desk.client("198.51.100.8", app=app)
    login(phone, "p-liu")
    phone.post("/logout/all", data=dict(csrf=csrf_of(phone.get("/ledger").text)))
    entries = _entries(desk)
    assert entries[:5] == [("login", "p-liu", "198.51.100.7", ""),
                           ("download", "p-liu", "198.51.100.7", "/ledger.xlsx?status=open"),
                           ("download", "p-liu", "198.51.100.7", "/assessment.xlsx"),
                           ("download", "p-liu", "198.51.100.7", "/bulletin.docx"),
                           ("logout", "p-liu", "198.51.100.7", "")]  # a page view is not a download
    assert entries[5:10] == [("login_failed", "p-wangf", "203.0.113.66", "")] * 5
    kind, actor, address, detail = entries[10]  # three refusals, recorded once
    assert (kind, actor, address) == ("login_throttled", "p-wangf", "203.0.113.66") and detail.startswith("until ")
    assert entries[11:] == [("login", "p-liu", "198.51.100.8", ""), ("logout_all", "p-liu", "198.51.100.8",
                                                                      "1 sessions")]


def test_only_the_office_reads_the_audit_log(desk: Desk) -> None:
    office = desk.client()
    login(office, "p-liu")
    page = office.get("/audit")
    assert page.status_code == 200 and "操作记录" in page.text and "登录" in page.text and "p-liu" in page.text
    assert 'href="/audit"' in office.get("/ledger").text
    assert "没有记录" in office.get("/audit", params={"kind": "login_failed"}).text  # one kind: none failed
    principal = desk.client()
    login(principal, "p-wangf")
    refused = principal.get("/audit")
    assert refused.status_code == 403 and "操作记录只对督导室开放" in refused.text and "p-liu" not in refused.text
    assert 'href="/audit"' not in principal.get("/ledger").text
    assert desk.client().get("/audit").status_code == 303  # not logged in


def test_what_an_anonymous_client_typed_is_neutralised(desk: Desk) -> None:
    app = desk.app()
    hostile = "evil\n2024-01-01 login p-liu\x1b[31m<script>alert(1)</script>\u202e\u200b" + "x" * 300
    login(desk.client("203.0.113.5", app=app), hostile, "wrong")
    [(kind, actor, _, _)] = _entries(desk)
    assert kind == "login_failed" and len(actor) <= 64  # bot/web/audit.py ACTOR_CAP
    assert actor.startswith("evil2024-01-01 login p-liu[31m<script>") and not any(c in actor for c in "\n\x1b\u202e\u200b")
    office = desk.client(app=app)
    login(office, "p-liu")
    page = office.get("/audit").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


def _old_entry_and_session(desk: Desk, days: int) -> None:
    async def add() -> None:
        async with desk.db.transaction() as s:
            long_ago = desk.clock.now() - timedelta(days=days)
            s.add(m.AuditEntry(at=long_ago, kind="login", actor=f"old-{days}", address="", detail=""))
            account = await s.scalar(select(m.WebAccount).where(m.WebAccount.username == "p-liu"))
            s.add(m.WebSession(token_hash=f"{days:064d}", account_id=account.id, created_at=long_ago,
                               last_seen_at=long_ago))
    desk.run(add())


def test_old_entries_and_ended_sessions_are_pruned_at_start_and_daily(desk: Desk, monkeypatch) -> None:  # noqa: ANN001
    from bot.web import desk as desk_module

    desk.settings = desk.settings.model_copy(update={"audit_retention_days": 30, "web_session_hours": 12,
                                                     "web_session_max_hours": 168})
    _old_entry_and_session(desk, 31)
    _old_entry_and_session(desk, 29)

    async def tokens() -> list[str]:
        async with desk.db.reading() as s:
            return list(await s.scalars(select(m.WebSession.token_hash)))

    monkeypatch.setattr(desk_module, "PRUNE_EVERY", 0.2)
    with TestClient(desk.app(), follow_redirects=False):  # the desk starts (its lifespan): pruned at once
        assert [actor for _, actor, _, _ in _entries(desk)] == ["old-29"]
        assert desk.run(tokens()) == []  # both sessions had ended by themselves (idle 12 h)
        desk.clock.advance_to(desk.clock.now() + timedelta(days=2))  # a day later, so is the 29-day-old entry
        deadline = time.monotonic() + 10
        while _entries(desk) and time.monotonic() < deadline:
            time.sleep(0.05)  # the poll interval of this wait for the daily pruning
        assert _entries(desk) == []
