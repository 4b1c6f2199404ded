"""`dudao backup` and `dudao restore` as the operator meets them: each bad input — a partial or corrupt archive,
one from a newer schema, a non-empty target, a target that is not writable — answered in Chinese with what to do,
exit code 1, and nothing changed; a good archive restored into an empty place."""
from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from tests.cli.test_cli import dudao
from tests.support.paths import DEMO_COUNTY

CHAT = "/as 周永红\n/room 实验小学督导联络群\n#问题 实验小学 扶手松动 限期3天\n/as 刘洋\n#整改 Q1 已加固\n/quit\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A bot's folder with a finding in its database, and a backup of it."""
    home = tmp_path_factory.mktemp("bot")
    assert dudao("run", cwd=home, stdin=CHAT).returncode == 0
    shutil.copyfile(DEMO_COUNTY, home / "county.yaml")
    done = dudao("backup", "backups", cwd=home, env={"COUNTY_FILE": "county.yaml"})
    assert done.returncode == 0, done.stderr
    assert "备份已完成：backups/dudao-" in done.stdout and "问题 1 条" in done.stdout and "县名册文件" in done.stdout
    (archive,) = (home / "backups").glob("dudao-*.tar.gz")
    return home, archive


def _restore(tmp: Path, archive: Path, *extra: str):  # noqa: ANN202
    return dudao("restore", str(archive), "--db", f"sqlite+aiosqlite:///{tmp}/new/dudao.db", *extra, cwd=tmp,
                 env={"EVIDENCE_DIR": str(tmp / "new" / "evidence")})


def _untouched(tmp: Path) -> bool:
    db = tmp / "new" / "dudao.db"
    return not db.exists() and not any(p.is_file() for p in (tmp / "new" / "evidence").rglob("*"))


def test_a_good_archive_restores_into_an_empty_place_and_not_twice(made: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = made
    done = _restore(tmp_path, archive)
    assert done.returncode == 0, done.stderr
    assert "恢复完成：问题 1 条" in done.stdout and "county.yaml" in done.stdout
    with sqlite3.connect(tmp_path / "new" / "dudao.db") as conn:
        assert conn.execute("SELECT description FROM findings").fetchall() == [("扶手松动",)]
    again = _restore(tmp_path, archive)
    assert again.returncode == 1 and "恢复目标不是空的" in again.stderr and "--force" in again.stderr
    forced = _restore(tmp_path, archive, "--force")
    assert forced.returncode == 0, forced.stderr


def test_a_partial_archive(made: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = made
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    done = _restore(tmp_path, cut)
    assert done.returncode == 1 and "不完整" in done.stderr and "没有改动任何数据" in done.stderr
    assert _untouched(tmp_path)


def _rewrite(archive: Path, out: Path, change) -> None:  # noqa: ANN001 — (name, bytes) -> bytes
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for info in src.getmembers():
            data = change(info.name, src.extractfile(info).read())
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def test_a_corrupt_archive(made: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = made
    bad = tmp_path / "bad.tar.gz"
    _rewrite(archive, bad, lambda name, data: data[:-100] + bytes(100) if name == "database.sqlite" else data)
    done = _restore(tmp_path, bad)
    assert done.returncode == 1 and "已损坏" in done.stderr and "没有改动任何数据" in done.stderr
    assert _untouched(tmp_path)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive at all" * 100)
    done = _restore(tmp_path, junk)
    assert done.returncode == 1 and "已损坏" in done.stderr


def test_an_archive_from_a_newer_schema(made: tuple[Path, Path], tmp_path: Path) -> None:
    _, archive = made

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revision"] = "0099_from_the_future"
        return json.dumps(manifest).encode()

    future = tmp_path / "future.tar.gz"
    _rewrite(archive, future, newer)
    done = _restore(tmp_path, future)
    assert done.returncode == 1 and "较新版本" in done.stderr and "0099_from_the_future" in done.stderr
    assert "升级到" in done.stderr and _untouched(tmp_path)


def test_a_backup_target_that_is_not_writable(made: tuple[Path, Path], tmp_path: Path) -> None:
    home, _ = made
    (tmp_path / "a-file").write_text("x")
    done = dudao("backup", str(tmp_path / "a-file" / "backups"), cwd=home)
    assert done.returncode == 1 and "无法写入备份位置" in done.stderr and "共享盘" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
