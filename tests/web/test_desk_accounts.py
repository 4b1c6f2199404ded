"""Accounts on the desk (bot/web/accounts_view.py): changing one's own password (/account) and the office's
/accounts page that opens, resets and disables logins — each in the audit log; the sessions a new password or a
disabling ends; nobody else may."""
from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.storage import models as m
from tests.web.conftest import PASSWORDS, Desk, csrf_of, login


def audit_kinds(desk: Desk) -> list[tuple[str, str, str]]:
    async def read() -> list[tuple[str, str, str]]:
        async with desk.db.reading() as s:
            rows = await s.execute(select(m.AuditEntry.kind, m.AuditEntry.actor, m.AuditEntry.detail)
                                   .order_by(m.AuditEntry.id))
            return [tuple(r) for r in rows.all()]
    return desk.run(read())


def logged_in(desk: Desk, username: str, password: str | None = None) -> TestClient:
    client = desk.client()
    assert login(client, username, password).status_code == 303
    return client


def change(client: TestClient, old: str, new: str, again: str | None = None):  # noqa: ANN201
    token = csrf_of(client.get("/account").text)
    return client.post("/account", data=dict(csrf=token, old=old, new=new, again=new if again is None else again))


def test_changing_my_own_password(desk: Desk) -> None:
    me, elsewhere = logged_in(desk, "p-wangf"), logged_in(desk, "p-wangf")
    old = PASSWORDS["p-wangf"]
    for args, said in [(("not-my-password", "a-good-new-one"), "原密码不对"),
                       ((old, "a-good-new-one", "another-one-x"), "两次输入的新密码不一样"),
                       ((old, "short"), "至少要 8 个字符"), ((old, "P-Wangf "), "太容易猜到"),
                       ((old, "aaaaaaaaaa"), "太容易猜到"), ((old, old), "和原密码一样")]:
        answer = change(me, *args)
        assert answer.status_code == 400 and said in answer.text
    assert login(desk.client(), "p-wangf").status_code == 303  # the old password still works
    assert ("password_change_failed", "p-wangf", "") in audit_kinds(desk)
    done = change(me, old, "海棠花开-2024")
    assert done.status_code == 200 and "密码已修改" in done.text
    assert me.get("/ledger").status_code == 200  # still logged in here …
    assert elsewhere.get("/ledger").status_code == 303  # … and nowhere else
    assert login(desk.client(), "p-wangf").status_code == 401
    assert login(desk.client(), "p-wangf", "海棠花开-2024").status_code == 303
    assert ("password_changed", "p-wangf", "") in audit_kinds(desk)


def test_the_password_form_needs_its_csrf_token(desk: Desk) -> None:
    me = logged_in(desk, "p-wangf")
    me.get("/account")
    for sent in ({}, {"csrf": "wrong"}):
        answer = me.post("/account", data=dict(sent, old=PASSWORDS["p-wangf"], new="a-good-new-one",
                                               again="a-good-new-one"))
        assert answer.status_code == 403
    assert login(desk.client(), "p-wangf").status_code == 303  # unchanged


def _form_person(html: str, op: str) -> str:
    """The roster key of the first row offering `op`."""
    found = re.search(rf'name="person" value="([^"]+)">\s*(?:<button[^>]*>[^<]*</button>\s*)*'
                      rf'<button type="submit" name="op" value="{op}">', html)
    assert found is not None, op
    return found.group(1)


def test_the_office_opens_resets_and_disables_logins(desk: Desk) -> None:
    office = logged_in(desk, "p-liu")
    page = office.get("/accounts")
    assert page.status_code == 200 and "王芳" in page.text and "未开通" in page.text
    key = _form_person(page.text, "create")
    opened = office.post("/accounts", data=dict(csrf=csrf_of(page.text), person=key, op="create"))
    password = re.search(r'密码：<b class="secret">([^<]+)</b>', opened.text).group(1)
    assert "已开通" in opened.text and len(password) >= 12
    assert login(desk.client(), key, password).status_code == 303
    again = office.post("/accounts", data=dict(csrf=csrf_of(page.text), person=key, op="create"))
    assert "已有账号" in again.text  # nothing changed
    assert login(desk.client(), key, password).status_code == 303

    huang = logged_in(desk, "p-huangj")
    reset = office.post("/accounts", data=dict(csrf=csrf_of(page.text), person="p-huangj", op="reset"))
    new = re.search(r'密码：<b class="secret">([^<]+)</b>', reset.text).group(1)
    assert huang.get("/ledger").status_code == 303  # the reset ended the principal's session
    assert login(desk.client(), "p-huangj").status_code == 401
    huang = logged_in(desk, "p-huangj", new)
    disabled = office.post("/accounts", data=dict(csrf=csrf_of(page.text), person="p-huangj", op="disable"))
    assert "已停用" in disabled.text and "（已停用）" in disabled.text
    assert huang.get("/ledger").status_code == 303
    assert login(desk.client(), "p-huangj", new).status_code == 401
    myself = office.post("/accounts", data=dict(csrf=csrf_of(page.text), person="p-liu", op="disable"))
    assert "不能停用自己的账号" in myself.text and office.get("/ledger").status_code == 200
    kinds = [(k, a, d) for k, a, d in audit_kinds(desk) if k in ("account_created", "password_set",
                                                                    "account_disabled")]
    assert kinds == [("account_created", "p-liu", key), ("password_set", "p-liu", "p-huangj"),
                     ("account_disabled", "p-liu", "p-huangj")]
    assert new not in str(audit_kinds(desk)) and password not in str(audit_kinds(desk))


def test_only_the_office_manages_accounts(desk: Desk) -> None:
    principal = logged_in(desk, "p-wangf")
    page = principal.get("/accounts")
    assert page.status_code == 403 and "由督导室开通和管理" in page.text
    token = csrf_of(principal.get("/ledger").text)
    answer = principal.post("/accounts", data=dict(csrf=token, person="p-huangj", op="disable"))
    assert answer.status_code == 403
    assert login(desk.client(), "p-huangj").status_code == 303
    assert "/accounts" not in principal.get("/ledger").text  # not in the navigation either
    office = logged_in(desk, "p-liu")
    assert office.post("/accounts", data=dict(person="p-huangj", op="disable")).status_code == 403  # no CSRF
    token = csrf_of(office.get("/accounts").text)
    assert office.post("/accounts", data=dict(csrf=token, person="p-nobody", op="disable")).status_code == 404
    assert office.post("/accounts", data=dict(csrf=token, person="p-huangj", op="drop")).status_code == 400
    assert login(desk.client(), "p-huangj").status_code == 303
