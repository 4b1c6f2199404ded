"""Bad input at the desk: wrong passwords (their throttle: test_desk_login_throttle.py), CSRF, sessions that end,
another school's finding or photo by URL — each a polite page, a 403 or a 404, never a trace and never data."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage import models as m
from bot.web.accounts import disable, set_password
from tests.support.harness import T0
from tests.web.conftest import Desk, csrf_of, login


def test_a_principal_sees_only_the_own_school(desk: Desk) -> None:
    client = desk.client()
    assert login(client, "p-huangj").status_code == 303  # 黄军, 复兴中学
    ledger = client.get("/ledger").text
    assert "/findings/2" in ledger and "/findings/1" not in ledger and "共 1 条" in ledger
    assert "城口中学" not in ledger  # not even in the school filter
    other = client.get("/ledger", params={"school": desk.schools["重庆市城口中学"]}).text
    assert "已忽略" in other and "/findings/1" not in other
    for url in ("/findings/1", f"/evidence/{desk.photo_id}"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "消防" not in answer.text and "没有找到" in answer.text
    charts = client.get("/charts").text
    assert "第一责任区" not in charts and "第二责任区" in charts


def test_the_own_principal_opens_the_photo(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-wangf")
    assert client.get(f"/evidence/{desk.photo_id}").status_code == 200
    assert client.get("/findings/2").status_code == 404


def test_pages_and_photos_need_a_login(desk: Desk) -> None:
    client = desk.client()
    for url in ("/ledger", "/findings/1", f"/evidence/{desk.photo_id}", "/charts"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), url


def test_a_wrong_password_is_a_polite_page(desk: Desk) -> None:
    client = desk.client()
    for username in ("p-liu", "nobody"):
        answer = login(client, username, "wrong")
        assert answer.status_code == 401 and "用户名或密码不对" in answer.text
    assert client.get("/ledger").status_code == 303


def test_forged_or_missing_csrf_is_refused(desk: Desk) -> None:
    client = desk.client()
    client.get("/login")
    forged = client.post("/login", data=dict(csrf="forged", username="p-liu", password="office-pass-1"))
    assert forged.status_code == 403 and "请刷新后重试" in forged.text
    assert client.get("/ledger").status_code == 303  # not logged in
    login(client, "p-liu")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/ledger").status_code == 200  # still logged in
    other = desk.client()  # a token from another session is no good either
    stolen = csrf_of(other.get("/login").text)
    assert client.post("/logout", data=dict(csrf=stolen)).status_code == 403
    token = csrf_of(client.get("/ledger").text)
    assert client.post("/logout", data=dict(csrf=token)).status_code == 303
    assert client.get("/ledger").status_code == 303


def test_login_goes_only_to_a_path_on_this_site(desk: Desk) -> None:
    client = desk.client()
    assert login(client, "p-liu", next="//evil.example/x").headers["location"] == "/ledger"
    client = desk.client()
    assert login(client, "p-liu", next="/findings/2").headers["location"] == "/findings/2"


def test_disabling_or_a_new_password_ends_sessions(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    assert client.get("/ledger").status_code == 200

    async def change(action: str) -> None:
        async with desk.db.transaction() as s:
            person = await s.scalar(select(m.Person).where(m.Person.key == "p-liu"))
            await (disable(s, person, T0) if action == "disable" else set_password(s, person, "new-pass-9", T0))
        await desk.db.dispose()

    desk.run(change("passwd"))
    assert client.get("/ledger").status_code == 303
    assert login(client, "p-liu", "new-pass-9").status_code == 303
    desk.run(change("disable"))
    assert client.get("/ledger").status_code == 303
    assert login(client, "p-liu", "new-pass-9").status_code == 401


def test_an_expired_or_tampered_cookie_is_a_login_page(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    client.cookies.set("dudao_desk", "eyJ1aWQiOjF9.forged.signature")
    assert client.get("/ledger").status_code == 303
    desk.settings = desk.settings.model_copy(update={"web_session_hours": -1})  # every cookie already expired
    client = desk.client()
    login(client, "p-liu")
    answer = client.get("/ledger")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_unknown_pages_and_methods_are_polite(desk: Desk) -> None:
    client = desk.client()
    for answer in (client.get("/nope"), client.put("/login"), client.get("/static/../bot/settings.py")):
        assert answer.status_code in (404, 405) and "Traceback" not in answer.text


def test_a_crash_is_a_polite_page_without_a_trace(desk: Desk, monkeypatch) -> None:  # noqa: ANN001
    from starlette.testclient import TestClient

    from bot.web import ledger_view
    from bot.web.desk import create_app

    async def broken(request, viewer):  # noqa: ANN001, ANN202
        raise RuntimeError("secret detail from the database")

    monkeypatch.setattr(ledger_view, "ledger_page", broken)
    client = TestClient(create_app(desk.settings, desk.db, desk.clock), follow_redirects=False,
                        raise_server_exceptions=False)
    login(client, "p-liu")
    answer = client.get("/ledger")
    assert answer.status_code == 500 and "出了点问题" in answer.text
    assert "secret detail" not in answer.text and "Traceback" not in answer.text
    # the crash page carries the headers of every other answer (it is answered outside the middleware)
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"
