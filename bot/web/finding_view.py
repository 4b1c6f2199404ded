"""A finding's page (every field, the whole event history, the photos inline — 问题照片 beside each round of 整改照片,
"照片文件缺失" where a photo's file is gone —, and the forms of the actions
the viewer may take: bot/web/acts.py) and the photo route. Both answer 404 — the same as for a finding that does
not exist — when the viewer may not see the school."""
from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from bot.domain import sources
from bot.domain.colour import colour
from bot.ledger import evidence as evidence_store
from bot.ledger import images, photo_hints
from bot.ledger import lifecycle as ledger
from bot.storage import models as m
from bot.web import acts
from bot.web.page import render
from bot.web.viewer import Viewer

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
BY_SUFFIX = {".jpg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp"}
SHOWN = {*BY_SUFFIX, ".heic"}  # stored photos' extensions (from their content) shown inline


def _hint(hint: photo_hints.Hint, viewer: Viewer) -> dict:
    """A hint for the page: another finding is named (and linked) only when the viewer may see its school."""
    school = viewer.roster.schools.get(hint.other_school_id) if hint.other_school_id is not None else None
    named = hint.other_number if school is not None and viewer.may_see(school) else None
    return dict(kind=hint.kind, exact=hint.exact, number=named, ref=ledger.ref(named) if named else None,
                taken=hint.taken_at)


async def finding(request: Request, viewer: Viewer) -> Response:
    return await finding_page(request, viewer, request.path_params["number"])


async def act(request: Request, viewer: Viewer) -> Response:
    """A form of the page, posted (bot/web/acts.py); the page again, with what came of it."""
    outcome = await acts.submit(request, viewer)
    return await finding_page(request, viewer, request.path_params["number"], said=outcome.said,
                              problem=outcome.problem, changed=list(outcome.changed), code=outcome.code)


async def finding_page(request: Request, viewer: Viewer, number: int, *, said: list[str] | None = None,
                       problem: str | None = None, changed: list[str] | None = None, code: int = 200,
                       template: str = "finding.html", kinds: frozenset[str] | None = None,
                       photo_url: str = "/evidence/", extra: dict | None = None) -> Response:
    """The page; after a form (bot/web/acts.py), with what the action's handler said to the sender (`said`) or
    why nothing was done (`problem`: stale — `changed` says what —, again, busy, too_large). A personal link's
    phone page (bot/web/link_view.py) is this page in its own `template`, with only the forms of `kinds`, its
    photos at `photo_url`, and its `extra` values."""
    roster, now = viewer.roster, request.app.state.clock.now()
    async with request.app.state.db.reading() as session:
        row = await ledger.get_finding(session, number)
        school = roster.schools.get(row.school_id) if row else None
        if row is None or school is None or not viewer.may_see(school):
            raise HTTPException(404)
        events = await ledger.events_of(session, row)
        photos = list(await session.scalars(select(m.Evidence).where(m.Evidence.finding_id == row.id)
                                            .order_by(m.Evidence.id)))
        pending = await ledger.pending_request(session, row)
        hints = await photo_hints.hints_for(session, row, photos)
    forms = [k for k in acts.offered(viewer, row, school.district_id, pending is not None)
             if kinds is None or k in kinds] if request.app.state.acts is not None else []
    people = roster.people
    district = roster.districts.get(school.district_id)
    history = [dict(at=e.at, what=ledger.EVENT_LABELS.get(e.kind, e.kind),
                    who=people[e.actor_id].name if e.actor_id in people else "", text=e.raw_text,
                    note=e.data.get("note") or e.data.get("reason") or "") for e in events]
    finder = people.get(row.finder_id)
    return render(request, template, code=code, viewer=viewer, tz=roster.tz, ref=ledger.ref(row.number), f=row,
                  school=school.name, district=district.name if district else "",
                  finder=finder.name if finder else "", status=ledger.STATUS_LABELS[row.status],
                  source=sources.label(row.source),
                  late=ledger.lateness(row, now, roster.tz, roster.calendar, roster.policy.verify_within.n),
                  history=history,
                  colour=colour(row.status, row.deadline_at, row.due_date, now, roster,
                                appealing=ledger.appealing(row)),
                  **photo_sides(photos, events, Path(request.app.state.settings.evidence_dir),
                                {p.id: [_hint(h, viewer) for h in hints if h.photo_id == p.id] for p in photos}),
                  doubtful=len({h.photo_id for h in hints}),
                  forms={kind: acts.new_token() for kind in forms}, version=max((e.id for e in events), default=0),
                  pending=dict(until=pending.data.get("until", ""), reason=pending.data.get("reason", ""))
                  if pending is not None else None,
                  amend_fields=acts.AMEND_FIELDS, max_photos=acts.MAX_PHOTOS, said=said, problem=problem,
                  changed=changed or [], photo_url=photo_url,
                  max_mb=f"{request.app.state.settings.evidence_max_mb:g}", **(extra or {}))


def _on_disk(photo: m.Evidence, store: Path) -> bool:
    path = Path(photo.path).resolve()
    return path.is_relative_to(store) and path.is_file()


def photo_sides(photos: list[m.Evidence], events: list[m.FindingEvent], store: Path,
                hints: dict[int, list[dict]] | None = None) -> dict:
    """The photos as the page shows them: those of the problem (attached to the event that logged the finding,
    bot.ledger.evidence.PROBLEM_EVENTS) and each rectification report's round, in order; each marked missing
    when its file is no longer in the evidence store, with its EXIF time and place and its `hints` (by photo id)."""
    store = store.resolve()
    by_event: dict[int | None, list[dict]] = {}
    for p in photos:
        by_event.setdefault(p.event_id, []).append(dict(
            id=p.id, name=p.name, at=p.received_at, image=p.mime in IMAGE_TYPES or Path(p.path).suffix in SHOWN,
            missing=not _on_disk(p, store),
            taken=p.taken_at, gps=(p.gps_lat, p.gps_lon) if p.gps_lat is not None else None,
            hints=(hints or {}).get(p.id, [])))
    problem = [p for e in events if e.kind in evidence_store.PROBLEM_EVENTS for p in by_event.pop(e.id, [])]
    rounds = [dict(at=e.at, photos=by_event.pop(e.id)) for e in events if e.id in by_event]
    # a photo on no event of this finding (an old row, one put there by hand) is still shown, never dropped
    other = [p for left in by_event.values() for p in left]
    return dict(photos=photos, problem_photos=problem, rounds=rounds, other_photos=other)


async def evidence(request: Request, viewer: Viewer) -> Response:
    async with request.app.state.db.reading() as session:
        photo = await session.get(m.Evidence, request.path_params["id"])
        row = await session.get(m.Finding, photo.finding_id) if photo and photo.finding_id else None
    school = viewer.roster.schools.get(row.school_id) if row else None
    if photo is None or row is None or not viewer.may_see(school):
        raise HTTPException(404)
    return await serve_photo(request, photo, row)


async def serve_photo(request: Request, photo: m.Evidence, row: m.Finding) -> Response:
    """A stored photo's file — or, for a HEIC or a large photo, a scaled-down JPEG made from it once and kept in
    the store's display/ folder (the original stays as it was: its hash is what the checks use)."""
    path, store = Path(photo.path).resolve(), Path(request.app.state.settings.evidence_dir).resolve()
    if not path.is_relative_to(store) or not path.is_file():  # only files in the evidence store, ever
        raise HTTPException(404)
    if images.needs_display_copy(path.stat().st_size, path.suffix):
        shown = store / "display" / f"{path.stem}.jpg"
        if not shown.is_file():
            copy = await asyncio.to_thread(images.display_copy, path.read_bytes())  # the loop serves on meanwhile
            if copy is not None:
                shown.parent.mkdir(parents=True, exist_ok=True)
                part = shown.with_name(shown.name + ".part")
                part.write_bytes(copy)
                part.replace(shown)
        if shown.is_file():
            return FileResponse(shown, media_type="image/jpeg", content_disposition_type="inline",
                                filename=f"{ledger.ref(row.number)}-{photo.id}.jpg")
    by_content = BY_SUFFIX.get(path.suffix, "application/octet-stream")  # the stored file's type, from its bytes
    media = photo.mime if photo.mime in IMAGE_TYPES else by_content
    disposition = "inline" if media in IMAGE_TYPES else "attachment"
    return FileResponse(path, media_type=media, content_disposition_type=disposition,
                        filename=f"{ledger.ref(row.number)}-{photo.id}{path.suffix}")  # no-store: bot.web.desk
