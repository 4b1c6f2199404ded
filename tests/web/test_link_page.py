"""A personal link's phone page (bot/web/link_view.py, issue #25 item 2), through the real desk and chat app: the
principal uploads photos one by one (a HEIC among them; one too large, one not an image, a decompression bomb and
a corrupt HEIC each refused with a polite sentence, the others kept) and reports — the chat's #整改 handler, the
ledger saying `[链接] 姓名`; the supervisor verifies with a reason; the link's expiry, revocation by a new one, its
end with the finding, its use for another finding's photo or page, and a browser of another person all open
nothing; without WEB_PUBLIC_URL there are no link pages.

The desk's seed (tests/web/conftest.py): Q1 at 城口中学 rectified (finder 周永红) with a photo; Q2 at 复兴中学 open
(principal 黄军)."""
from __future__ import annotations

import hashlib
import os
import re
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.cli.bootstrap import desk_acts
from bot.ledger import finding_links
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.web.desk import create_app
from tests.support.photos import image_bytes
from tests.web.conftest import Desk, csrf_of, login
from tests.web.test_desk_acts import bomb_png, form_of, forms_on

PUBLIC = "https://dudao.example.gov.cn"


def link_app(desk: Desk, **settings: object) -> Starlette:
    s = desk.settings.model_copy(update=dict(dict(web_public_url=PUBLIC, evidence_max_mb=0.2), **settings))
    return create_app(s, desk.db, desk.clock, acts=desk_acts(s, desk.clock, desk.db))


def issue(desk: Desk, person_key: str, number: int) -> str:
    async def go() -> str:
        async with desk.db.transaction() as s:
            person = await s.scalar(select(m.Person).where(m.Person.key == person_key))
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == number))
            return await finding_links.issue(s, person_id=person.id, finding=finding, now=desk.clock.now())
    return desk.run(go())


def finding(desk: Desk, number: int) -> tuple[m.Finding, list[m.FindingEvent], list[m.Evidence]]:
    async def read():  # noqa: ANN202
        async with desk.db.reading() as s:
            row = await s.scalar(select(m.Finding).where(m.Finding.number == number))
            events = list(await s.scalars(select(m.FindingEvent).where(m.FindingEvent.finding_id == row.id)
                                          .order_by(m.FindingEvent.id)))
            photos = list(await s.scalars(select(m.Evidence).where(m.Evidence.finding_id == row.id)
                                          .order_by(m.Evidence.id)))
            return row, events, photos
    return desk.run(read())


def upload(client: TestClient, token: str, csrf: str, name: str, data: bytes, mime: str = "image/jpeg"):  # noqa: ANN201
    return client.post(f"/l/{token}/upload", data=dict(csrf=csrf), files={"photo": (name, data, mime)})


def test_the_principal_uploads_photos_one_by_one_and_reports_through_the_chat_handler(desk: Desk) -> None:
    app = link_app(desk)
    client = desk.client(app=app)
    token = issue(desk, "p-huangj", 2)
    page = client.get(f"/l/{token}")
    assert page.status_code == 200
    assert forms_on(page.text) == {"rectify"}  # only what a principal does here: no 申请延期, no navigation
    assert 'href="/ledger"' not in page.text and "拍照" in page.text and "从相册选择" in page.text
    assert '<script src="/static/link.js"' in page.text
    csrf = csrf_of(page.text)

    good = upload(client, token, csrf, "现场.jpg", image_bytes("jpg", size=(640, 480), seed=5))
    heic_bytes = image_bytes("heic", size=(640, 480), seed=9)
    heic = upload(client, token, csrf, "IMG_0001.HEIC", heic_bytes, "image/heic")
    assert good.status_code == heic.status_code == 200 and good.json()["ok"] and heic.json()["ok"]
    assert good.json()["message"] == "“现场.jpg”已上传。"
    big = upload(client, token, csrf, "大图.png", image_bytes("png", size=(600, 600), noise=True), "image/png")
    assert big.status_code == 413 and big.json()["message"] == "这张照片超过0.2MB，没有上传，请压缩后再选。"
    text = upload(client, token, csrf, "说明.jpg", b"not a photo at all", "image/jpeg")
    assert text.json() == dict(ok=False, message="“说明.jpg”不是可以识别的图片（可能已损坏），没有上传，请换一张照片。")
    bomb = upload(client, token, csrf, "bomb.png", bomb_png(), "image/png")
    assert bomb.json()["message"] == "“bomb.png”像素过大，无法处理，没有上传，请缩小后再选。"
    whole = image_bytes("heic", size=(320, 240), seed=11)
    corrupt = upload(client, token, csrf, "坏.heic", whole[: len(whole) * 2 // 3], "image/heic")
    assert corrupt.json()["ok"] is False and "不是可以识别的图片" in corrupt.json()["message"]
    forged = client.post(f"/l/{token}/upload", data=dict(csrf="x" * 43), files={"photo": ("a.jpg", b"x", "image/jpeg")})
    assert forged.status_code == 403 and forged.json()["message"] == "页面已过期，请刷新页面后再上传。"
    assert finding(desk, 2)[2] == []  # nothing in the ledger before the form is sent

    page = client.get(f"/l/{token}")
    staged = re.findall(r'name="staged" value="([0-9a-f]{64})"', page.text)
    assert len(staged) == 2  # a reload keeps what went up
    blank = client.post(f"/l/{token}/act", data={**form_of(page.text, "rectify"), "note": " ", "staged": staged})
    assert blank.status_code == 200 and finding(desk, 2)[0].status == ledger.OPEN  # the handler asks for the note
    assert re.findall(r'name="staged" value="([0-9a-f]{64})"', blank.text) == staged  # the photos still wait
    page = blank
    sent = client.post(f"/l/{token}/act", data={**form_of(page.text, "rectify"), "note": "已清理积水并加装防滑垫",
                                                "staged": staged})
    assert sent.status_code == 200 and "收到 Q2（城口县复兴中学）的整改报告" in sent.text, sent.text
    row, events, photos = finding(desk, 2)
    assert row.status == ledger.RECTIFIED
    assert events[-1].raw_text.startswith("[链接] 黄军：#整改 Q2 已清理积水并加装防滑垫")
    assert [p.event_id for p in photos] == [events[-1].id] * 2
    assert sorted(Path(p.path).suffix for p in photos) == [".heic", ".jpg"]
    assert not (Path(desk.settings.evidence_dir) / "staged").exists() or \
        not any((Path(desk.settings.evidence_dir) / "staged").iterdir())

    heic_row = next(p for p in photos if p.path.endswith(".heic"))  # shown as a JPEG; the original kept as it was
    shown = client.get(f"/l/{token}/photo/{heic_row.id}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.content[:3] == b"\xff\xd8\xff"
    assert heic_row.sha256 == hashlib.sha256(heic_bytes).hexdigest() and heic_row.phash is not None


def test_the_supervisor_sees_the_photos_and_refuses_with_a_reason(desk: Desk) -> None:
    client = desk.client(app=link_app(desk))
    token = issue(desk, "p-zhou", 1)
    page = client.get(f"/l/{token}")
    assert forms_on(page.text) == {"verify"}
    assert f'src="/l/{token}/photo/{desk.photo_id}"' in page.text and "问题照片" in page.text
    assert client.get(f"/l/{token}/photo/{desk.photo_id}").status_code == 200
    sent = client.post(f"/l/{token}/act", data={**form_of(page.text, "verify"), "outcome": "不通过",
                                                "reason": "通道仍有杂物"})
    assert sent.status_code == 200
    row, events, _ = finding(desk, 1)
    assert row.status == ledger.OPEN
    assert events[-1].raw_text == "[链接] 周永红：#验收 Q1 不通过 通道仍有杂物"


def test_expiry_revocation_the_finding_closed_and_another_finding(desk: Desk) -> None:
    app = link_app(desk)
    old = issue(desk, "p-huangj", 2)
    token = issue(desk, "p-huangj", 2)  # a new one revokes the old
    client = desk.client(app=app)
    revoked = client.get(f"/l/{old}")
    assert revoked.status_code == 410 and "这个链接已失效" in revoked.text
    assert client.get(f"/l/{token}").status_code == 200
    # the link opens this finding only: another finding's photo, the desk's own pages
    assert client.get(f"/l/{token}/photo/{desk.photo_id}").status_code == 404
    assert client.get("/findings/1").status_code == 303 and client.get("/findings/2").status_code == 303
    assert client.get(f"/l/{'x' * 32}").status_code == 404
    desk.clock.advance_to(desk.clock.now() + timedelta(days=finding_links.MAX_DAYS, seconds=1))
    expired = client.get(f"/l/{token}")
    assert expired.status_code == 410 and "这个链接已过期" in expired.text
    assert "拍照" not in expired.text


def test_a_link_ends_with_its_finding(desk: Desk) -> None:
    token = issue(desk, "p-zhou", 1)
    client = desk.client(app=link_app(desk))
    page = client.get(f"/l/{token}")
    assert client.post(f"/l/{token}/act", data={**form_of(page.text, "verify"), "outcome": "通过"}).status_code == 200
    assert finding(desk, 1)[0].status == ledger.CLOSED
    after = client.get(f"/l/{token}")
    assert after.status_code == 410 and "这条问题已办结" in after.text


def test_a_browser_of_another_person_is_refused(desk: Desk) -> None:
    app = link_app(desk)
    token = issue(desk, "p-huangj", 2)
    office = desk.client(app=app)
    assert login(office, "p-liu").status_code == 303
    refused = office.get(f"/l/{token}")
    assert refused.status_code == 403 and "这个链接不是发给您的" in refused.text
    assert "拍照" not in refused.text
    phone = desk.client(app=app)  # a phone that opened 周永红's link, then a forwarded one of 黄军's
    assert phone.get(f"/l/{issue(desk, 'p-zhou', 1)}").status_code == 200
    assert phone.get(f"/l/{token}").status_code == 403
    own = desk.client(app=app)
    assert login(own, "p-huangj").status_code == 303 and own.get(f"/l/{token}").status_code == 200


def test_without_a_public_url_there_are_no_link_pages(desk: Desk) -> None:
    token = issue(desk, "p-huangj", 2)
    client = desk.client(app=link_app(desk, web_public_url=None))
    assert client.get(f"/l/{token}").status_code == 404


def test_abandoned_uploads_are_pruned(desk: Desk, tmp_path: Path) -> None:
    from bot.web.link_view import STAGED_HOURS, prune_staged

    old, fresh = tmp_path / "staged" / "1", tmp_path / "staged" / "2"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / f"{'a' * 64}.jpg").write_bytes(b"x")
    stale = time.time() - STAGED_HOURS * 3600 - 60
    os.utime(old, (stale, stale))
    assert prune_staged(tmp_path) == 1
    assert not old.exists() and fresh.exists()


def test_a_links_token_never_reaches_a_log_line() -> None:
    from bot.web.link_view import logged_path

    token = "k" * 32
    assert token not in logged_path(f"/l/{token}/photo/3") and logged_path(f"/l/{token}/act") == "/l/<token>/act"
    assert logged_path("/findings/12") == "/findings/12"
