"""Logins that never stall anything and lock no one out (issue #22, part 3): wrong passwords are counted by client
address (and by name per address) and answered 429 without a password hash; a user at another address logs in
meanwhile; unknown and existing names are answered alike; X-Forwarded-For counts only from WEB_TRUSTED_PROXIES;
password checks run in threads, at most WEB_LOGIN_THREADS at once, while the event loop goes on."""
from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import timedelta
from ipaddress import ip_network

import httpx
from argon2 import PasswordHasher
from starlette.requests import Request

from tests.web.conftest import Desk, csrf_of, login

THROTTLED = "从这个网络地址登录失败的次数过多"


def test_wrong_passwords_throttle_the_address_never_the_account(desk: Desk) -> None:
    app = desk.app()
    attacker, user = desk.client("203.0.113.7", app=app), desk.client("198.51.100.20", app=app)
    for _ in range(5):
        assert login(attacker, "p-liu", "wrong").status_code == 401
    sixth = login(attacker, "p-liu", "wrong")
    assert sixth.status_code == 429 and THROTTLED in sixth.text and "15 分钟后再试" in sixth.text
    assert login(attacker, "p-liu").status_code == 429  # this address waits, even with the right password
    assert login(user, "p-liu").status_code == 303  # the real user, elsewhere, is never locked out
    desk.clock.advance_to(desk.clock.now() + timedelta(minutes=16))
    assert login(attacker, "p-liu").status_code == 303


def test_unknown_and_existing_names_get_the_same_answers(desk: Desk) -> None:
    app = desk.app()
    answers = {}
    for name, address in (("p-liu", "203.0.113.1"), ("p-nobody", "203.0.113.2")):
        client = desk.client(address, app=app)
        replies = [login(client, name, "wrong") for _ in range(7)]
        answers[name] = [(r.status_code, re.sub(r'value="[^"]*"', "", r.text)) for r in replies]
    assert [code for code, _ in answers["p-liu"]] == [401] * 5 + [429] * 2
    assert answers["p-liu"] == answers["p-nobody"]  # the same status and the same page, word for word


def test_a_refusal_is_answered_after_a_pause_that_costs_nothing(desk: Desk) -> None:
    """A script trying passwords waits for each 429 (an idle wait on the loop): one try a second, not hundreds."""
    app = desk.app()
    client = desk.client("203.0.113.8", app=app)
    for _ in range(5):
        login(client, "p-liu", "wrong")
    token = csrf_of(client.get("/login").text)
    app.state.throttle.delay = 0.3
    started = time.perf_counter()
    answer = client.post("/login", data=dict(csrf=token, username="p-liu", password="wrong"))
    assert answer.status_code == 429 and time.perf_counter() - started >= 0.3


def test_many_names_from_one_address_are_throttled_too(desk: Desk) -> None:
    client = desk.client("203.0.113.9")
    codes = [login(client, f"p-guess-{i}", "wrong").status_code for i in range(21)]
    assert codes == [401] * 20 + [429]


def test_a_throttled_login_computes_no_hash(desk: Desk, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = PasswordHasher.verify

    def counted(self, hashed, password):  # noqa: ANN001, ANN202
        calls.append(1)
        return real(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    client = desk.client("203.0.113.10")
    codes = [login(client, "p-liu", "wrong").status_code for _ in range(10)]
    assert codes == [401] * 5 + [429] * 5 and len(calls) == 5


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    from bot.web.throttle import address_key, client_address

    def address(peer: str, *forwarded: str, trusted: str = "10.0.0.1, 192.168.0.0/16") -> str:
        headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
        request = Request({"type": "http", "client": (peer, 1234), "headers": headers})
        return client_address(request, tuple(ip_network(n) for n in trusted.replace(",", " ").split()))

    assert address("203.0.113.5", "1.2.3.4") == "203.0.113.5"  # not from a proxy: the header is the client's lie
    assert address("203.0.113.5", "1.2.3.4", trusted="") == "203.0.113.5"
    assert address("10.0.0.1", "1.2.3.4") == "1.2.3.4"
    assert address("10.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4"  # what the client wrote before is not believed
    assert address("10.0.0.1", "6.6.6.6, 1.2.3.4, 192.168.1.1") == "1.2.3.4"  # through two trusted proxies
    assert address("10.0.0.1", "6.6.6.6", "1.2.3.4") == "1.2.3.4"  # two headers are one list
    assert address("10.0.0.1", "1.2.3.4, garbage") == "10.0.0.1"
    assert address("10.0.0.1") == "10.0.0.1"
    assert address_key("2001:db8::1") == address_key("2001:db8::ffff") == "2001:db8::/64"
    assert address_key("::ffff:1.2.3.4") == "1.2.3.4" and address_key("1.2.3.4") == "1.2.3.4"


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(desk: Desk) -> None:
    desk.settings = desk.settings.model_copy(update={"web_trusted_proxies": "127.0.0.1"})
    proxy = desk.client("127.0.0.1")
    proxy.headers["x-forwarded-for"] = "203.0.113.50"
    for _ in range(5):
        assert login(proxy, "p-liu", "wrong").status_code == 401
    assert login(proxy, "p-liu", "wrong").status_code == 429
    proxy.headers["x-forwarded-for"] = "203.0.113.51"  # another client behind the same proxy
    assert login(proxy, "p-liu").status_code == 303
    direct = desk.client("198.51.100.1")  # not a proxy: its header is ignored, its own address counted
    direct.headers["x-forwarded-for"] = "203.0.113.51"
    assert login(direct, "p-liu").status_code == 303


def test_the_throttle_counts_concurrent_tries_and_forgets_a_success() -> None:
    from datetime import UTC, datetime

    from bot.web.throttle import LoginThrottle

    now = datetime(2024, 3, 1, tzinfo=UTC)
    throttle = LoginThrottle(per_address=3, per_name=2)
    assert throttle.attempt("1.1.1.1", "a", now) is None and throttle.attempt("1.1.1.1", "a", now) is None
    refused = throttle.attempt("1.1.1.1", "a", now)  # two tries in flight already count
    assert refused is not None and refused.first and refused.until == now + timedelta(minutes=15)
    again = throttle.attempt("1.1.1.1", "a", now)
    assert again is not None and not again.first  # a spell of refusals is audited once
    throttle.succeeded("1.1.1.1", "a")
    assert throttle.attempt("1.1.1.1", "a", now) is None  # the name's count started again


async def _logins_while_ticking(desk: Desk, n: int, threads: int) -> tuple[float, list[int]]:
    """`n` logins at once from `n` addresses while a ticker wakes every 10 ms; the ticker's longest gap and the
    answers' status codes."""
    settings = desk.settings.model_copy(update={"web_login_threads": threads})
    from bot.web.desk import create_app

    app = create_app(settings, desk.db, desk.clock)
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"203.0.113.{i}", 1)),
                                 base_url="http://desk") for i in range(n)]
    tokens = [csrf_of((await c.get("/login")).text) for c in clients]
    gaps, done = [], asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    answers = await asyncio.gather(*(c.post("/login", data=dict(csrf=t, username="p-liu", password="wrong"))
                                     for c, t in zip(clients, tokens, strict=True)))
    done.set()
    await ticker
    for c in clients:
        await c.aclose()
    if hasattr(app.state, "hasher"):
        app.state.hasher.shutdown()
    return max(gaps), [a.status_code for a in answers]


def test_a_login_while_the_hasher_is_busy_leaves_the_event_loop_free(desk: Desk, monkeypatch) -> None:  # noqa: ANN001
    """A password check that takes 0.4 s (a slow machine's argon2) does not hold the loop: pages and chat go on."""
    def slow(self, hashed, password):  # noqa: ANN001, ANN202
        time.sleep(0.4)
        return False

    monkeypatch.setattr(PasswordHasher, "verify", slow)
    longest, codes = desk.run(_logins_while_ticking(desk, 2, threads=2))
    assert codes == [401, 401] and longest < 0.2, f"the loop stalled {longest:.2f} s"


def test_password_checks_run_at_most_web_login_threads_at_once(desk: Desk, monkeypatch) -> None:  # noqa: ANN001
    running, most, lock = [0], [0], threading.Lock()

    def slow(self, hashed, password):  # noqa: ANN001, ANN202
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(PasswordHasher, "verify", slow)
    _, codes = desk.run(_logins_while_ticking(desk, 4, threads=1))
    assert codes == [401] * 4 and most[0] == 1
