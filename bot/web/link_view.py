"""A personal link's phone page (issue #25 item 2; docs/design.md "Links to a finding"): `/l/<token>` opens one
finding's page without a password, for the one person the link was issued to (bot/ledger/finding_links.py), with
only what that person may do there — a principal 拍照/从相册选择 and 整改情况, a supervisor the photos side by side
and 通过 / 不通过（原因）. Submitting runs the chat command's handler (bot/web/acts.py, `[链接] 姓名` in the ledger).

Photos go up one at a time (static/link.js: each its own request, so a refused or failed one never loses the
others) and wait, checked, in the link's staging folder until the form is sent; without script the form's own file
field carries them, as on the desk. The browser is bound to the link's person on first use: a browser logged in to
the desk as someone else, or holding another person's link, is refused (a forwarded link opens nothing there).
Without WEB_PUBLIC_URL there are no links, and these routes answer 404."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import time
from pathlib import Path

from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.ledger import finding_links, images
from bot.ledger import lifecycle as ledger
from bot.messages import InboundFile
from bot.storage import models as m
from bot.web import acts, finding_view, sessions
from bot.web.page import csrf_ok, page_text, render
from bot.web.viewer import Viewer, actor_of, viewer_for

KINDS = frozenset({"rectify", "verify"})  # what a link's page offers (of what the person may do)
PERSON = "link_person"  # the cookie's binding of this browser to a link's person
_SHA = frozenset("0123456789abcdef")


STAGED_HOURS = 48  # photos uploaded through a link but never sent with its form are deleted after this long


def logged_path(path: str) -> str:
    """A path as a log line may show it: a personal link's token is a password, so it never is."""
    parts = path.split("/", 3)
    return "/".join([*parts[:2], "<token>", *parts[3:]]) if path.startswith(finding_links.PATH) else path


def _staging(request: Request, link_id: int) -> Path:
    return Path(request.app.state.settings.evidence_dir) / "staged" / str(link_id)


def prune_staged(evidence_dir: Path, now: float | None = None) -> int:
    """Delete the staging folders untouched for STAGED_HOURS (photos uploaded, the form never sent); how many."""
    root, now = evidence_dir / "staged", time.time() if now is None else now
    gone = 0
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and now - folder.stat().st_mtime > STAGED_HOURS * 3600:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone


async def _open(request: Request) -> tuple[Viewer, m.FindingLink, m.Finding] | Response:
    """The link's viewer, link and finding; or the polite page saying why it opens nothing."""
    state = request.app.state
    if not state.settings.web_public_url:
        raise HTTPException(404)
    now = state.clock.now()
    async with state.db.reading() as session:
        held = await finding_links.find(session, request.path_params["token"], now)
        other = await sessions.find(session, request.session.get("sid"), now, state.settings)
        desk_viewer = await viewer_for(session, state.rosters, other) if other is not None else None
        roster = await state.rosters.get(session)
    problem = held.problem
    if problem is None and held.link is not None:
        bound = request.session.get(PERSON)
        if (desk_viewer is not None and desk_viewer.person.id != held.link.person_id) or \
                (bound is not None and bound != held.link.person_id):
            problem = "other_person"
    person = roster.people.get(held.link.person_id) if held.link is not None else None
    school = roster.schools.get(held.finding.school_id) if held.finding is not None else None
    if problem is None and (person is None or not person.active or school is None):
        problem = finding_links.UNKNOWN
    if problem is not None or held.link is None or held.finding is None or person is None:
        code = 403 if problem == "other_person" else 410 if problem != finding_links.UNKNOWN else 404
        return render(request, "link_refused.html", code=code, problem=problem,
                      ref=ledger.ref(held.finding.number) if held.finding is not None else "")
    request.session[PERSON] = person.id
    viewer = Viewer(0, person, actor_of(person, roster), roster)
    if not viewer.may_see(school):
        return render(request, "link_refused.html", code=404, problem=finding_links.UNKNOWN, ref="")
    return viewer, held.link, held.finding


async def link_page(request: Request) -> Response:
    opened = await _open(request)
    if isinstance(opened, Response):
        return opened
    viewer, link, finding = opened
    return await _page(request, viewer, link, finding)


async def _page(request: Request, viewer: Viewer, link: m.FindingLink, finding: m.Finding, **outcome: object) \
        -> Response:
    token = request.path_params["token"]
    return await finding_view.finding_page(
        request, viewer, finding.number, template="link.html", kinds=KINDS, photo_url=f"/l/{token}/photo/",
        extra=dict(link_base=f"/l/{token}", staged=_staged_list(request, link.id)), **outcome)  # type: ignore[arg-type]


def _staged_list(request: Request, link_id: int) -> list[dict]:
    folder = _staging(request, link_id)
    return [dict(id=p.stem, name=p.stem[:8]) for p in sorted(folder.glob("*.*"))
            if not p.name.endswith(".part")] if folder.is_dir() else []


async def act(request: Request) -> Response:
    """POST /l/<token>/act: the rectification or verification form, handled as its chat command."""
    opened = await _open(request)
    if isinstance(opened, Response):
        return opened
    viewer, link, finding = opened
    folder = _staging(request, link.id)

    def staged(form: FormData) -> tuple[InboundFile, ...]:
        chosen = [v for v in form.getlist("staged") if isinstance(v, str) and len(v) == 64 and set(v) <= _SHA]
        files: list[InboundFile] = []
        for path in sorted(folder.glob("*.*")) if folder.is_dir() else []:
            if path.stem in chosen:
                files.append(InboundFile(name=f"照片{len(files) + 1}{path.suffix}", data=path.read_bytes()))
        return tuple(files)

    outcome = await acts.submit(request, viewer, number=finding.number, kinds=KINDS, staged=staged,
                                via=f"[链接] {viewer.person.name}")
    await _unstage_filed(request, folder, finding)
    return await _page(request, viewer, link, finding, said=outcome.said, problem=outcome.problem,
                       changed=list(outcome.changed), code=outcome.code)


async def _unstage_filed(request: Request, folder: Path, finding: m.Finding) -> None:
    """Delete the staged photos that are in the ledger now (attached to the finding); a form the handler refused
    (its note missing, say) leaves them staged, listed on the page again, to be sent with the next try."""
    staged = {p.stem: p for p in folder.glob("*.*")} if folder.is_dir() else {}
    if not staged:
        return
    async with request.app.state.db.reading() as session:
        filed = set(await session.scalars(select(m.Evidence.sha256).where(m.Evidence.finding_id == finding.id,
                                                                          m.Evidence.sha256.in_(list(staged)))))
    for digest in filed:
        staged[digest].unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # when empty


async def upload(request: Request) -> Response:
    """POST /l/<token>/upload: one photo, checked as chat checks photos, kept in the link's staging folder until
    the form is sent. JSON for static/link.js: {ok, id, message} — the message a polite sentence."""
    opened = await _open(request)
    if isinstance(opened, Response):
        return JSONResponse(dict(ok=False, message=page_text("link_said.txt", what="link")), status_code=403)
    viewer, link, finding = opened
    settings = request.app.state.settings
    max_bytes = int(settings.evidence_max_mb * 1024 * 1024)
    length = request.headers.get("content-length", "")

    def said(what: str, code: int, **values: object) -> JSONResponse:
        text = page_text("link_said.txt", what=what, max_mb=f"{settings.evidence_max_mb:g}", **values)
        return JSONResponse(dict(ok=False, message=text), status_code=code)

    if not length.isdigit() or int(length) > max_bytes + 64 * 1024:
        return said(images.TOO_LARGE, 413, name="")
    form = await request.form(max_files=1, max_fields=3)
    try:
        if not csrf_ok(request, form.get("csrf")):
            return said("csrf", 403)
        photo = form.get("photo")
        if not isinstance(photo, UploadFile):
            return said(images.NOT_IMAGE, 400, name="")
        data = await photo.read(max_bytes + 1)
        name = (photo.filename or "照片")[:100]
    finally:
        await form.close()
    # in a thread: a HEIC is decoded whole (up to seconds for a 12-megapixel one) — the loop serves chat meanwhile
    refused = await asyncio.to_thread(images.refusal, InboundFile(name=name, data=data, mime=photo.content_type),
                                      max_bytes=max_bytes)
    if refused is not None:
        return said(refused.reason, 422, name=name)
    folder = _staging(request, link.id)
    if folder.is_dir() and len(list(folder.glob("*.*"))) >= acts.MAX_PHOTOS:
        return said("full", 422, name=name, max_photos=acts.MAX_PHOTOS)
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{images.photo_extension(data)}"
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    part.replace(target)  # whole or not at all
    return JSONResponse(dict(ok=True, id=digest, message=page_text("link_said.txt", what="kept", name=name)))


async def photo(request: Request) -> Response:
    """GET /l/<token>/photo/<id>: a photo of the link's finding only (shown scaled down when large or HEIC)."""
    opened = await _open(request)
    if isinstance(opened, Response):
        raise HTTPException(404)
    viewer, _, finding = opened
    async with request.app.state.db.reading() as session:
        row = await session.scalar(select(m.Evidence).where(m.Evidence.id == request.path_params["id"],
                                                            m.Evidence.finding_id == finding.id))
    if row is None:
        raise HTTPException(404)
    return await finding_view.serve_photo(request, row, finding)
