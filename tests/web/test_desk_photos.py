"""A finding's page shows its 问题照片 beside each round of its 整改照片, and says "照片文件缺失" instead of a broken
image when a photo's file is gone from the evidence store."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.storage import models as m
from tests.support.photos import photo
from tests.web.conftest import Desk, login


def _problem_photo(desk: Desk, number: int) -> tuple[int, Path]:
    """A photo attached to the event that logged finding `number` (as the chat attaches the finder's photos)."""
    async def attach() -> tuple[int, Path]:
        async with desk.db.transaction() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == number))
            created = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id,
                                                                  m.FindingEvent.kind == "created"))
            image = photo("problem.png", seed=11, size=(64, 48))
            path = Path(desk.settings.evidence_dir) / f"problem-{number}.png"
            path.write_bytes(image.data)
            row = m.Evidence(finding_id=finding.id, event_id=created.id, sender_chat_id="wxid_zhouyonghong",
                             path=str(path), sha256="1" * 64, size=len(image.data), name="problem.png",
                             mime="image/png", received_at=created.at)
            s.add(row)
            await s.flush()
            return row.id, path
    return desk.run(attach())


def test_problem_photos_beside_the_rounds_of_rectification_photos(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    before = client.get("/findings/1").text
    assert "问题照片（0）" in before and "没有问题照片。" in before and "第1次报告整改" in before
    problem_id, _ = _problem_photo(desk, 1)
    page = client.get("/findings/1").text
    assert "问题照片（1）" in page and "照片（2）" in page
    problem_at, fixed_at = page.index(f'src="/evidence/{problem_id}"'), page.index(f'src="/evidence/{desk.photo_id}"')
    assert page.index("问题照片（1）") < problem_at < page.index("第1次报告整改") < fixed_at
    assert client.get(f"/evidence/{problem_id}").content.startswith(b"\x89PNG")
    assert "照片文件缺失" not in page


def test_a_missing_file_is_said_not_shown_as_a_broken_image(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    problem_id, path = _problem_photo(desk, 2)
    path.unlink()
    page = client.get("/findings/2").text
    assert "照片文件缺失" in page and f'src="/evidence/{problem_id}"' not in page
    assert client.get(f"/evidence/{problem_id}").status_code == 404
    assert "照片文件缺失" not in client.get("/findings/1").text  # Q1's photo is still there
