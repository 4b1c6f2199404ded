"""Backup time and archive size for a county with 100,000 findings (their events) and 20,000 photos.

The county: benchmarks/bulk_county.py's (the demo county plus SCHOOLS schools, FINDINGS findings bulk-inserted),
their 录入 / 整改 / 验收 events (benchmarks/reports_at_scale.py's), and PHOTOS evidence rows, each with a small real
JPEG on disk (160×120, ~3–6 KB: what a phone's photo is not — a real one is 1–3 MB, so the archive of a real county
is mostly photo bytes: size ≈ database + photos' bytes, the photos stored as they are). Then `dudao backup`'s code
(bot/storage/backup.py) writes the archive and `restore` puts it back into an empty place, each timed.

    python benchmarks/backup_size.py                     # SQLite in /tmp
    python benchmarks/backup_size.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/backup_bench
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import random
import shutil
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import text

from benchmarks.bulk_county import NOW, _bulk, build, reset_postgres
from benchmarks.reports_at_scale import _histories
from bot.settings import Settings
from bot.storage import backup as b
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database

EVIDENCE_COLUMNS = ["id", "finding_id", "sender_chat_id", "room_chat_id", "path", "sha256", "size", "name", "mime",
                    "received_at"]


def _jpeg(i: int, rng: random.Random) -> bytes:
    """A distinct 160×120 picture for each i (a gradient of its own, a few random blocks)."""
    y, x = np.mgrid[0:120, 0:160]
    pixels = np.stack([(x * (i % 251 + 1)) % 256, (y * (i // 251 + 1)) % 256, (x + y + i) % 256], axis=-1)
    for _ in range(4):
        top, left = rng.randrange(110), rng.randrange(150)
        pixels[top:top + 10, left:left + 10] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    img = Image.fromarray(pixels.astype(np.uint8), "RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def _photos(evidence: Path, n: int, findings: int) -> list[tuple]:
    rng, rows = random.Random(7), []
    for i in range(1, n + 1):
        data = _jpeg(i, rng)
        digest = hashlib.sha256(data).hexdigest()
        path = evidence / digest[:2] / f"{digest}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append((i, rng.randrange(1, findings + 1), "wxid_bench", None, str(path), digest, len(data), "",
                     "image/jpeg", NOW))
    return rows


async def run(url: str, work: Path, schools: int, findings: int, photos: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if url.startswith("postgresql"):
        await reset_postgres(url)
    db = Database(url)
    await upgrade_database(db)
    await build(db, schools, findings)
    events = await _histories(db, url.startswith("postgresql"))
    rows = _photos(work / "evidence", photos, findings)
    async with db.engine.begin() as conn:
        await _bulk(conn, "evidence", EVIDENCE_COLUMNS, iter(rows))
    photo_bytes = sum(r[6] for r in rows)
    settings = Settings(_env_file=None, database_url=url, evidence_dir=work / "evidence")
    started = time.monotonic()
    written = await b.backup(db, settings, work / "backups")
    backup_seconds = time.monotonic() - started
    await db.dispose()
    if url.startswith("postgresql"):
        target_url = url.rsplit("/", 1)[0] + "/backup_bench_restored"
        await reset_postgres(target_url)
        engine = Database(target_url)
        async with engine.engine.begin() as conn:  # an empty database: the schema reset_postgres leaves
            await conn.execute(text("SELECT 1"))
    else:
        target_url = f"sqlite+aiosqlite:///{work}/restored/dudao.db"
        engine = Database(target_url)
    started = time.monotonic()
    restored = await b.restore(engine, Settings(_env_file=None, database_url=target_url,
                                                evidence_dir=work / "restored" / "evidence"), written.path)
    restore_seconds = time.monotonic() - started
    await engine.dispose()
    return dict(findings=written.counts["findings"], events=events, photos=written.photos,
                photo_mb=photo_bytes / 1e6, archive_mb=written.size / 1e6, backup_s=backup_seconds,
                restore_s=restore_seconds, restored_findings=restored.counts["findings"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sqlite", default="/tmp/backup-bench.db", help="SQLite file (recreated); '' to skip")
    ap.add_argument("--postgres", default="", help="a PostgreSQL URL (its public schema is emptied)")
    ap.add_argument("--schools", type=int, default=500)  # bulk_county needs 470+ (a lead for each of its districts)
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--photos", type=int, default=20_000)
    args = ap.parse_args()
    targets = ([f"sqlite+aiosqlite:///{args.sqlite}"] if args.sqlite else []) + ([args.postgres] if args.postgres else [])
    for url in targets:
        if url.startswith("sqlite"):
            for extra in ("", "-wal", "-shm"):
                Path(args.sqlite + extra).unlink(missing_ok=True)
        work = Path("/tmp/backup-bench-" + ("pg" if url.startswith("postgresql") else "sqlite"))
        r = asyncio.run(run(url, work, args.schools, args.findings, args.photos))
        print(f"{url.split(':')[0]}: {r['findings']} findings, {r['events']} events, {r['photos']} photos "
              f"({r['photo_mb']:.0f} MB): backup {r['backup_s']:.1f} s, archive {r['archive_mb']:.0f} MB; "
              f"restore {r['restore_s']:.1f} s ({r['restored_findings']} findings back)")


if __name__ == "__main__":
    main()
