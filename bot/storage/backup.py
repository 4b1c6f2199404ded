"""Backups that restore: one archive (a gzip'd tar) holding a consistent copy of the database, the evidence photos,
the county file and, last, a manifest with counts and checksums; and its restore into an empty database and
evidence folder.

The copy is taken while the bot runs: on SQLite through the online backup API (one read transaction: a snapshot the
writers never tear); on PostgreSQL by `pg_dump` on a snapshot exported from a REPEATABLE READ transaction, in which
the counts and the list of photos are read too. The photos are the files the copied rows name: files are written
under their checksum before their row commits and never change, so reading them after the snapshot is consistent.

The archive is written as `<name>.partial` and renamed when complete, and its manifest is its last member: an
archive without one was cut short. A restore reads and checks everything (every checksum, the schema is one this code
knows) before it touches the target, builds the database beside it (SQLite: a new file, checked, migrated, its photo
paths rewritten, then renamed over the target; PostgreSQL: `pg_restore --single-transaction`), and moves the photos
in before the database that names them. Nothing half-restored.

`last_good_backup()` says when the last complete backup of this database was written (a row of `counters`, so the
bot, `dudao doctor` and the health endpoint read it wherever the database is).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import URL, make_url

from bot.resources import migrations_dir
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.base import Base
from bot.storage.engine import Database
from bot.storage.session import Session

log = logging.getLogger("dudao.backup")

FORMAT, VERSION = "dudao-backup", 1
MANIFEST = "manifest.json"
SQLITE_MEMBER, PG_MEMBER = "database.sqlite", "database.pgdump"
ARCHIVE_GLOB = "dudao-*.tar.gz"
LAST_GOOD = "backup_last_good_minute"  # counters row: minutes since the epoch (UTC) of the last complete backup
LEDGER_TABLES = ("findings", "finding_events", "evidence")  # what a drill compares first
_EVIDENCE_NAME = re.compile(r"^evidence/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
_COUNTY_NAME = re.compile(r"^county/[^/\\]{1,200}$")


class BackupError(Exception):
    """A backup or a restore that cannot be done, said to the operator (templates/cli/backup.j2, `kind`): nothing
    was changed."""

    def __init__(self, kind: str, **values: Any) -> None:
        super().__init__(f"{kind}: {values}")
        self.kind, self.values = kind, values


@dataclass
class Written:
    path: Path
    size: int
    seconds: float
    counts: dict[str, int]
    photos: int
    missing: int  # photo rows whose file was not on disk (named in the manifest)
    county: bool = False  # the county file is in it


@dataclass
class Restored:
    counts: dict[str, int]
    photos: int
    county_file: Path | None
    upgraded_from: str | None  # the archive's schema, when it was older and migrated
    notes: list[str] = field(default_factory=list)


# -- what the archive holds -------------------------------------------------------------------------------------


def known_revisions() -> set[str]:
    """Every migration this code knows (an archive naming another one is from a newer dudao)."""
    found = set()
    for script in (migrations_dir() / "versions").glob("*.py"):
        hit = re.search(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", script.read_text(encoding="utf-8"), re.M)
        if hit:
            found.add(hit.group(1))
    return found


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _evidence_member(path: str) -> str:
    p = Path(path)
    return f"evidence/{p.parent.name}/{p.name}"


def _tables() -> list[str]:
    return sorted(Base.metadata.tables)


# -- backup -----------------------------------------------------------------------------------------------------


def archive_path(out: Path, now: datetime) -> Path:
    """OUT itself when it names an archive (….tar.gz, .tgz), else — a folder, made if need be — a new archive named
    after the time in it."""
    if out.is_dir() or not out.name.endswith((".tar.gz", ".tgz")):
        return out / f"dudao-{now.astimezone(UTC):%Y%m%d-%H%M%S}.tar.gz"
    return out


def _writable(target: Path) -> None:
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dudao-write-test-"):
            pass
    except OSError as error:
        raise BackupError("not_writable", target=str(folder), error=error.strerror or str(error)) from None


async def backup(db: Database, settings: Settings, out: Path, *, now: datetime | None = None) -> Written:
    """Write one archive of the database `db`, its photos and the county file to `out` (a file, or a folder to put a
    newly named one in). Raises BackupError (nothing written) when it cannot."""
    started = datetime.now(UTC)
    target = archive_path(out, now or started)
    _writable(target)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".dudao-backup-", dir=_work_dir(db, target)) as work:
        member, dump = (SQLITE_MEMBER, Path(work) / SQLITE_MEMBER) if db.dialect == "sqlite" else \
            (PG_MEMBER, Path(work) / PG_MEMBER)
        if db.dialect == "sqlite":
            revision, counts, photos = await asyncio.to_thread(_sqlite_snapshot, _sqlite_path(db.url), dump)
        elif db.dialect == "postgresql":
            revision, counts, photos = await _pg_snapshot(db, dump)
        else:
            raise BackupError("dialect", dialect=db.dialect)
        county = settings.county_file if settings.county_file and Path(settings.county_file).is_file() else None
        try:
            manifest = await asyncio.to_thread(_write_archive, partial, member, dump, photos, county,
                                               dict(revision=revision, counts=counts, dialect=db.dialect,
                                                    created_at=started.isoformat()))
            os.replace(partial, target)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise BackupError("not_writable", target=str(target.parent),
                              error=error.strerror or str(error)) from None
    await record_good_backup(db, now or datetime.now(UTC))
    seconds = (datetime.now(UTC) - started).total_seconds()
    log.info("backup written to %s (%d bytes, %.1f s)", target, target.stat().st_size, seconds)
    return Written(target, target.stat().st_size, seconds, counts, len(manifest["evidence"]),
                   len(manifest["missing"]), manifest["county_file"] is not None)


def _work_dir(db: Database, target: Path) -> str | None:
    """Where the database's copy is made before it goes into the archive: beside a SQLite file (its disk has room
    for one more), else the system's temporary folder."""
    if db.dialect == "sqlite":
        return str(_sqlite_path(db.url).parent)
    return None


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("memory")
    return Path(database)


def _read_copy(conn: sqlite3.Connection | Any, tables: list[str], present: set[str]) -> tuple[
        str | None, dict[str, int], list[tuple[str, str, int]]]:
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] \
        if "alembic_version" in present else None
    counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables if t in present}
    photos = [(str(p), str(s), int(n)) for p, s, n in conn.execute("SELECT path, sha256, size FROM evidence")] \
        if "evidence" in present else []
    return revision, counts, photos


def _sqlite_snapshot(source: Path, dump: Path) -> tuple[str | None, dict[str, int], list[tuple[str, str, int]]]:
    """The online backup API: a consistent copy while others write; then what the copy holds."""
    if not source.is_file():
        raise BackupError("no_database", path=str(source))
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(dump)
    try:
        src.backup(dst)  # one step: one read transaction, a snapshot no writer tears (WAL lets writers go on)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file in the archive
        present = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _read_copy(dst, _tables(), present)
    finally:
        dst.close()
        src.close()


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as pg_dump/pg_restore take it, and the environment carrying its password (never
    on the command line, where `ps` shows it)."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                       database=parsed.database)
    return plain.render_as_string(hide_password=False), env


def pg_tool(name: str) -> str | None:
    return shutil.which(name)


async def _pg_snapshot(db: Database, dump: Path) -> tuple[str | None, dict[str, int], list[tuple[str, str, int]]]:
    """pg_dump on a snapshot exported from our REPEATABLE READ transaction, where counts and photos are read too."""
    conninfo, env = libpq_url(db.url)
    tool = pg_tool("pg_dump")
    if tool is None:
        raise BackupError("no_pg_dump", command=f"pg_dump --format=custom --file=dudao.pgdump '{_shown(db.url)}'")
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            snapshot = await conn.scalar(text("SELECT pg_export_snapshot()"))
            present = set((await conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))).scalars())
            revision = await conn.scalar(text("SELECT version_num FROM alembic_version")) \
                if "alembic_version" in present else None
            counts = {t: int(await conn.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0)
                      for t in _tables() if t in present}
            photos = [(str(p), str(s), int(n)) for p, s, n in
                      (await conn.execute(text("SELECT path, sha256, size FROM evidence"))).all()] \
                if "evidence" in present else []
            child = await asyncio.create_subprocess_exec(
                tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                f"--file={dump}", conninfo, env={**os.environ, **env},
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _, err = await child.communicate()
            if child.returncode != 0:
                raise BackupError("pg_dump_failed", error=err.decode(errors="replace").strip()[-500:])
    return revision, counts, photos


def _shown(url: str) -> str:
    conninfo, _ = libpq_url(url)
    return make_url(conninfo).render_as_string(hide_password=True)


def _write_archive(partial: Path, member: str, dump: Path, photos: list[tuple[str, str, int]],
                   county: Path | None, head: dict[str, Any]) -> dict[str, Any]:
    evidence, missing, seen = [], [], set()
    with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
        tar.add(dump, arcname=member, recursive=False)
        for path, _sha, _size in photos:
            name = _evidence_member(path)
            if name in seen:
                continue
            try:
                data = Path(path).read_bytes()
            except OSError:
                missing.append(path)
                continue
            seen.add(name)
            _add_bytes(tar, name, data)
            evidence.append({"member": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        county_entry = None
        if county is not None:
            data = county.read_bytes()
            county_member = f"county/{county.name}"
            county_entry = {"member": county_member, "sha256": hashlib.sha256(data).hexdigest(),
                            "size": len(data), "name": county.name}
            _add_bytes(tar, county_member, data)
        manifest = {"format": FORMAT, "version": VERSION, **head,
                    "database": {"member": member, "sha256": _sha256_file(dump), "size": dump.stat().st_size},
                    "evidence": evidence, "missing": missing, "county_file": county_entry}
        _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))


async def record_good_backup(db: Database, at: datetime) -> None:
    """Remember when the last complete backup was written (a counters row: minutes since the epoch)."""
    minute = int(at.timestamp() // 60)
    try:
        async with db.transaction() as s:
            row = await s.get(m.Counter, LAST_GOOD)
            if row is None:
                s.add(m.Counter(name=LAST_GOOD, value=minute))
            else:
                row.value = max(row.value, minute)
    except Exception:  # noqa: BLE001 — the archive is good; only the note of it failed (a fenced or read-only db)
        log.warning("backup: could not record the time of the last good backup", exc_info=True)


async def last_good_backup(session: Session) -> datetime | None:
    """When the last complete backup of this database was written (UTC), or None when none was. For `dudao
    doctor` and the health endpoint: `async with db.reading() as s: await last_good_backup(s)`."""
    value = await session.scalar(select(m.Counter.value).where(m.Counter.name == LAST_GOOD))
    return None if value is None else datetime.fromtimestamp(int(value) * 60, tz=UTC)


def backup_stale(last: datetime | None, now: datetime, max_age_hours: float) -> bool:
    return last is None or now - last > timedelta(hours=max_age_hours)


# -- scheduled backups: BACKUP_DIR, BACKUP_KEEP, BACKUP_COMMAND -----------------------------------------------------


def keep_newest(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives named dudao-<time>.tar.gz in `folder` (and .partial files a day old:
    left by a run that was cut short, not one still writing); return what was deleted. Nothing else in the folder is
    touched."""
    archives = sorted(folder.glob(ARCHIVE_GLOB))
    gone = archives[:-keep] if keep > 0 else []
    day_ago = datetime.now(UTC).timestamp() - 86400
    gone += [p for p in folder.glob(ARCHIVE_GLOB + ".partial") if p.stat().st_mtime < day_ago]
    for path in gone:
        with contextlib.suppress(OSError):
            path.unlink()
    return gone


def run_command(command: str, archive: Path, timeout: float = 3600) -> bool:
    """BACKUP_COMMAND with the archive's path: `{archive}` in it is replaced, else the path is added as the last
    argument (e.g. `rsync -a` → `rsync -a /backups/dudao-….tar.gz`; `scp {archive} host:/backups/`)."""
    words = shlex.split(command)
    words = [w.replace("{archive}", str(archive)) for w in words] if "{archive}" in command else [*words, str(archive)]
    try:
        done = subprocess.run(words, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.error("BACKUP_COMMAND could not run (%s): %s", words[0] if words else "", error)
        return False
    if done.returncode != 0:
        log.error("BACKUP_COMMAND exited %d: %s", done.returncode, done.stderr.decode(errors="replace")[-500:])
        return False
    log.info("BACKUP_COMMAND done for %s", archive)
    return True


async def scheduled(db: Database, settings: Settings) -> Written | None:
    """One scheduled backup into BACKUP_DIR, then the retention rule and BACKUP_COMMAND; failures are logged (and
    `dudao doctor` says when the last good backup is too old)."""
    if settings.backup_dir is None:
        return None
    try:
        written = await backup(db, settings, Path(settings.backup_dir))
    except BackupError as error:
        log.error("scheduled backup failed: %s", error)
        return None
    keep_newest(Path(settings.backup_dir), settings.backup_keep)
    if settings.backup_command:
        await asyncio.to_thread(run_command, settings.backup_command, written.path)
    return written


# -- restore ----------------------------------------------------------------------------------------------------


def read_archive(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack `archive` into `staging` and check it all: the manifest (the last member), every checksum, the
    schema. Raises BackupError naming what is wrong."""
    if not archive.is_file():
        raise BackupError("no_archive", path=str(archive))
    manifest: dict[str, Any] | None = None
    names: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in _members(tar):
                name = info.name
                if not info.isfile() or not (name in (MANIFEST, SQLITE_MEMBER, PG_MEMBER)
                                             or _EVIDENCE_NAME.match(name) or _COUNTY_NAME.match(name)):
                    raise BackupError("corrupt", path=str(archive), detail=f"unexpected member {name!r}")
                source = tar.extractfile(info)
                assert source is not None  # a regular file
                if name == MANIFEST:
                    manifest = json.loads(source.read().decode())
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as f:
                    shutil.copyfileobj(source, f, 1 << 20)
                names.add(name)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        kind = "partial" if isinstance(error, EOFError) or "unexpected end" in str(error).lower() else "corrupt"
        raise BackupError(kind, path=str(archive), detail=str(error)) from None
    if manifest is None:
        raise BackupError("partial", path=str(archive), detail="no manifest")
    try:
        _check_manifest(manifest, archive, staging, names)
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError("corrupt", path=str(archive), detail=f"manifest: {error!r}") from None
    return manifest


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (info := tar.next()) is not None:
        yield info


def _check_manifest(manifest: dict[str, Any], archive: Path, staging: Path, names: set[str]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("corrupt", path=str(archive), detail="not a dudao backup")
    for key in ("dialect", "counts", "database", "evidence"):
        if key not in manifest:
            raise BackupError("corrupt", path=str(archive), detail=f"the manifest has no {key}")
    if manifest.get("version", 0) > VERSION:
        raise BackupError("newer_format", path=str(archive), version=manifest.get("version"))
    revision = manifest.get("revision")
    if revision is not None and revision not in known_revisions():
        raise BackupError("newer_schema", path=str(archive), revision=revision)
    entries = [manifest["database"], *manifest.get("evidence", []),
               *([manifest["county_file"]] if manifest.get("county_file") else [])]
    for entry in entries:
        member = entry["member"]
        if member not in names:
            raise BackupError("partial", path=str(archive), detail=f"{member} is missing")
        path = staging / member
        if path.stat().st_size != entry["size"] or _sha256_file(path) != entry["sha256"]:
            raise BackupError("corrupt", path=str(archive), detail=f"{member}: checksum differs")


def target_rows(conn: Any, present: set[str]) -> int:
    """Rows in the target's tables (the schema's own bookkeeping aside): 0 for an empty database."""
    return sum(int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
               for t in _tables() if t in present)


def _sqlite_rows(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    conn = sqlite3.connect(path, timeout=30)
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return target_rows(conn, present)
    except sqlite3.DatabaseError:
        return 1  # a file that is no database is not empty either: --force replaces it
    finally:
        conn.close()


async def _pg_rows(db: Database) -> tuple[int, bool]:
    """(rows in the target's tables, whether it has any table)."""
    async with db.engine.connect() as conn:
        present = set((await conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))).scalars())
        rows = 0
        for t in _tables():
            if t in present:
                rows += int(await conn.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0)
    return rows, bool(present)


def _evidence_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


async def restore(db: Database, settings: Settings, archive: Path, *, force: bool = False) -> Restored:
    """Put `archive` back into the (empty) database `db` and EVIDENCE_DIR. Raises BackupError, having changed
    nothing, when the archive is not whole, is from a newer schema, or the target is not empty (unless `force`)."""
    evidence_dir = Path(settings.evidence_dir)
    staging_parent = evidence_dir.parent
    try:
        staging_parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".dudao-restore-", dir=staging_parent))
    except OSError as error:
        raise BackupError("not_writable", target=str(staging_parent), error=error.strerror or str(error)) from None
    try:
        manifest = await asyncio.to_thread(read_archive, archive, work)
        if manifest["dialect"] != db.dialect:
            raise BackupError("dialect_differs", archive=manifest["dialect"], target=db.dialect)
        if db.dialect == "sqlite":
            rows, has_tables = await asyncio.to_thread(_sqlite_rows, _sqlite_path(db.url)), True
        else:
            rows, has_tables = await _pg_rows(db)
        files = _evidence_files(evidence_dir)
        if (rows or files) and not force:
            raise BackupError("not_empty", rows=rows, files=files, evidence=str(evidence_dir))
        archived = manifest.get("revision")
        upgraded = archived if archived != _head() else None
        if db.dialect == "sqlite":
            staged = work / SQLITE_MEMBER
            await asyncio.to_thread(_check_sqlite_copy, staged, manifest)
            await _upgrade_file(staged)
            await asyncio.to_thread(_rewrite_paths, staged, evidence_dir)
        photos = _move_photos(work, evidence_dir, manifest)
        if db.dialect == "sqlite":
            await db.dispose()  # no connection of ours left on the file being replaced (nor on its old inode after)
            _replace_sqlite(work / SQLITE_MEMBER, _sqlite_path(db.url))
        else:
            await _pg_restore(db, work / PG_MEMBER, clean=has_tables)
            await _pg_after(db, evidence_dir)
        county = _restore_county(work, manifest, settings, force)
        counts = await _counts(db)
        notes = [f"{t}: {counts.get(t)} != {n}" for t, n in manifest["counts"].items() if counts.get(t) != n
                 and t not in ("counters", "alembic_version")]
        return Restored(counts, photos, county, upgraded, notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _head() -> str:
    from bot.storage.migrate import head_revision

    return head_revision()


def _check_sqlite_copy(staged: Path, manifest: dict[str, Any]) -> None:
    conn = sqlite3.connect(staged)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        _, counts, _ = _read_copy(conn, _tables(), present)
    except sqlite3.DatabaseError as error:
        raise BackupError("corrupt", path="", detail=f"database: {error}") from None
    finally:
        conn.close()
    if ok != "ok" or any(counts.get(t) != n for t, n in manifest["counts"].items()):
        raise BackupError("corrupt", path="", detail="the database copy does not match its manifest")


async def _upgrade_file(staged: Path) -> None:
    from bot.storage.migrate import upgrade_database

    db = Database(f"sqlite+aiosqlite:///{staged}")
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()
    conn = sqlite3.connect(staged)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _new_path(old: str, evidence_dir: Path) -> str:
    p = Path(old)
    return str(evidence_dir / p.parent.name / p.name)


def _rewrite_paths(staged: Path, evidence_dir: Path) -> None:
    """The photo rows name their files where this installation keeps them (EVIDENCE_DIR/<xx>/<sha><ext>)."""
    conn = sqlite3.connect(staged)
    try:
        with conn:
            rows = conn.execute("SELECT id, path FROM evidence").fetchall()
            conn.executemany("UPDATE evidence SET path = ? WHERE id = ?",
                             [(_new_path(path, evidence_dir), i) for i, path in rows])
    finally:
        conn.close()


async def _pg_after(db: Database, evidence_dir: Path) -> None:
    async with db.engine.begin() as conn:
        rows = (await conn.execute(text("SELECT id, path FROM evidence"))).all()
        if rows:
            await conn.execute(text("UPDATE evidence SET path = :path WHERE id = :id"),
                               [{"id": i, "path": _new_path(p, evidence_dir)} for i, p in rows])
    from bot.storage.migrate import upgrade_database

    await upgrade_database(db)


def _move_photos(work: Path, evidence_dir: Path, manifest: dict[str, Any]) -> int:
    """Move the checked photos into EVIDENCE_DIR (same disk: a rename each). Files are named by their checksum, so
    one already there is the same file."""
    for entry in manifest.get("evidence", []):
        source = work / entry["member"]
        target = evidence_dir / Path(entry["member"]).relative_to("evidence")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    return len(manifest.get("evidence", []))


def _replace_sqlite(staged: Path, target: Path) -> None:
    """The new file beside the target, then one rename over it (the old WAL and shared memory go first: they
    belong to the file being replaced)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    beside = target.with_name(target.name + ".restoring")
    shutil.copyfile(staged, beside)
    with beside.open("rb+") as f:
        os.fsync(f.fileno())
    for extra in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            target.with_name(target.name + extra).unlink()
    os.replace(beside, target)


async def _pg_restore(db: Database, dump: Path, *, clean: bool) -> None:
    tool = pg_tool("pg_restore")
    if tool is None:
        raise BackupError("no_pg_restore", command=f"pg_restore --single-transaction --no-owner "
                                                   f"--dbname='{_shown(db.url)}' {PG_MEMBER}")
    conninfo, env = libpq_url(db.url)
    await db.engine.dispose()  # no connection of ours in the way of --clean
    args = [tool, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
            *(["--clean", "--if-exists"] if clean else []), f"--dbname={conninfo}", str(dump)]
    child = await asyncio.create_subprocess_exec(*args, env={**os.environ, **env},
                                                 stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await child.communicate()
    if child.returncode != 0:
        raise BackupError("pg_restore_failed", error=err.decode(errors="replace").strip()[-500:])


def _restore_county(work: Path, manifest: dict[str, Any], settings: Settings, force: bool) -> Path | None:
    entry = manifest.get("county_file")
    if not entry:
        return None
    source = work / entry["member"]
    target = Path(settings.county_file) if settings.county_file else Path(settings.evidence_dir).parent / entry["name"]
    if target.exists() and not force and _sha256_file(target) != entry["sha256"]:
        target = target.with_name(f"{target.stem}.restored{target.suffix}")  # never over a county file kept here
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


async def _counts(db: Database) -> dict[str, int]:
    async with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            present = set((await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).scalars())
        else:
            present = set((await conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))).scalars())
        return {t: int(await conn.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0) for t in _tables() if t in present}
