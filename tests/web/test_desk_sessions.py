"""Sessions the server can end (issue #22, part 2): the cookie carries a random token, web_sessions its hash; logout,
退出所有设备, a new password and disabling end sessions at once, a copied cookie included; sessions end by themselves
after WEB_SESSION_HOURS idle and WEB_SESSION_MAX_HOURS in all; use renews the idle timer at most once a minute."""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

from sqlalchemy import event, func, select
from starlette.testclient import TestClient

from bot.storage import models as m
from bot.web.accounts import disable, set_password
from tests.support.harness import T0
from tests.web.conftest import Desk, csrf_of, login


def _copy(client: TestClient, other: TestClient) -> None:
    other.cookies.set("dudao_desk", client.cookies["dudao_desk"])


def _sessions(desk: Desk) -> list[m.WebSession]:
    async def read() -> list[m.WebSession]:
        async with desk.db.reading() as s:
            return list(await s.scalars(select(m.WebSession).order_by(m.WebSession.id)))
    return desk.run(read())


def _later(desk: Desk, by: timedelta) -> None:
    desk.clock.advance_to(desk.clock.now() + by)


def _cookie(client: TestClient) -> dict:
    payload = client.cookies["dudao_desk"].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_copied_cookie_is_dead_after_logout(desk: Desk) -> None:
    app = desk.app()
    client, thief = desk.client(app=app), desk.client("10.9.9.9", app=app)
    assert login(client, "p-liu").status_code == 303
    _copy(client, thief)
    assert thief.get("/ledger").status_code == 200  # a copy works while the session lives…
    token = csrf_of(client.get("/ledger").text)
    assert client.post("/logout", data=dict(csrf=token)).status_code == 303
    for url in ("/ledger", "/ledger.xlsx", "/assessment.xlsx", "/bulletin.docx"):  # …and not after logout
        answer = thief.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    assert _sessions(desk) == []


def test_logout_on_all_devices_ends_every_session_of_the_account(desk: Desk) -> None:
    app = desk.app()
    laptop, phone, other = desk.client(app=app), desk.client("10.0.0.2", app=app), desk.client("10.0.0.3", app=app)
    for client, who in ((laptop, "p-liu"), (phone, "p-liu"), (other, "p-wangf")):
        assert login(client, who).status_code == 303
    page = phone.get("/ledger").text
    assert "退出所有设备" in page and 'formaction="/logout/all"' in page
    answer = phone.post("/logout/all", data=dict(csrf=csrf_of(page)))
    assert answer.status_code == 303 and answer.headers["location"] == "/login?bye=all"
    assert "已退出这个账号在所有设备上的登录" in phone.get("/login?bye=all").text
    assert laptop.get("/ledger").status_code == 303 and phone.get("/ledger").status_code == 303
    assert other.get("/ledger").status_code == 200  # another account's session goes on
    forged = other.post("/logout/all", data=dict(csrf="forged"))
    assert forged.status_code == 403 and other.get("/ledger").status_code == 200
    assert desk.client().post("/logout/all", data={}).status_code == 303  # not logged in: to the login page


def test_sessions_end_when_idle_and_at_the_absolute_maximum(desk: Desk) -> None:
    desk.settings = desk.settings.model_copy(update={"web_session_hours": 1, "web_session_max_hours": 3})
    client = desk.client()
    login(client, "p-liu")
    for _ in range(3):  # used every 50 minutes: the idle timer moves on each time…
        _later(desk, timedelta(minutes=50))
        assert client.get("/ledger").status_code == 200
    _later(desk, timedelta(minutes=50))  # …until three hours after the login, however busy
    assert client.get("/ledger").status_code == 303

    login(client, "p-liu")
    _later(desk, timedelta(minutes=59))
    assert client.get("/ledger").status_code == 200
    _later(desk, timedelta(minutes=61))  # an hour without use
    answer = client.get("/ledger")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_use_renews_the_idle_timer_at_most_once_a_minute(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    writes: list[str] = []

    def seen(_conn, _cursor, statement: str, *_args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE WEB_SESSIONS"):
            writes.append(statement)

    event.listen(desk.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for _ in range(5):
            _later(desk, timedelta(seconds=10))
            assert client.get("/ledger").status_code == 200
        assert writes == []
        _later(desk, timedelta(seconds=15))  # a minute and five seconds since the login
        client.get("/ledger")
        client.get("/charts")
        assert len(writes) == 1
    finally:
        event.remove(desk.db.engine.sync_engine, "before_cursor_execute", seen)
    assert _sessions(desk)[0].last_seen_at == T0 + timedelta(seconds=65)


def test_the_cookie_holds_a_token_the_table_only_its_hash_and_login_makes_a_new_one(desk: Desk) -> None:
    client = desk.client()
    before = csrf_of(client.get("/login").text)  # the login form has its CSRF token before any login
    assert "sid" not in _cookie(client) and _sessions(desk) == []  # an anonymous visitor costs no row
    login(client, "p-liu")
    cookie = _cookie(client)
    assert set(cookie) == {"sid"} and "uid" not in cookie  # the account is the server's to say
    [held] = _sessions(desk)
    assert held.token_hash == hashlib.sha256(cookie["sid"].encode()).hexdigest() != cookie["sid"]
    assert csrf_of(client.get("/ledger").text) != before  # a new CSRF token with the new session
    login(client, "p-liu")  # logging in again on this browser: a new session; the old one ends
    [again] = _sessions(desk)
    assert _cookie(client)["sid"] != cookie["sid"] and again.token_hash != held.token_hash


def test_a_new_password_or_disabling_ends_the_sessions_rows(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    login(desk.client(), "p-liu")
    assert len(_sessions(desk)) == 2

    async def change(action: str) -> None:
        async with desk.db.transaction() as s:
            person = await s.scalar(select(m.Person).where(m.Person.key == "p-liu"))
            await (disable(s, person, T0) if action == "disable" else set_password(s, person, "new-pass-9", T0))

    desk.run(change("passwd"))
    assert _sessions(desk) == [] and client.get("/ledger").status_code == 303
    login(client, "p-liu", "new-pass-9")
    desk.run(change("disable"))
    assert _sessions(desk) == [] and client.get("/ledger").status_code == 303


def test_the_session_count_of_a_flood_of_anonymous_visitors_stays_zero(desk: Desk) -> None:
    client = desk.client()
    for _ in range(5):
        desk.client().get("/login")
        login(client, "p-liu", "wrong")

    async def count() -> int:
        async with desk.db.reading() as s:
            return int(await s.scalar(select(func.count()).select_from(m.WebSession)))
    assert desk.run(count()) == 0


def test_a_hash_of_other_parameters_is_remade_on_one_lane_at_the_next_good_login(desk: Desk) -> None:
    """The desk hashes on one lane (bot/web/accounts.py says why); an older hash of four lanes still logs in, and is
    remade with the desk's parameters then."""
    from argon2 import PasswordHasher, extract_parameters

    from tests.web.conftest import PASSWORDS

    async def set_old() -> None:
        async with desk.db.transaction() as s:
            account = await s.scalar(select(m.WebAccount).where(m.WebAccount.username == "p-liu"))
            account.password_hash = PasswordHasher(parallelism=4).hash(PASSWORDS["p-liu"])

    async def lanes() -> int:
        async with desk.db.reading() as s:
            hashed = await s.scalar(select(m.WebAccount.password_hash).where(m.WebAccount.username == "p-liu"))
        return extract_parameters(hashed).parallelism

    desk.run(set_old())
    assert desk.run(lanes()) == 4
    assert login(desk.client(), "p-liu").status_code == 303
    assert desk.run(lanes()) == 1
