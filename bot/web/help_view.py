"""/help: what each of the office's figures counts and how a rate is worked out — generated from
bot.domain.figures, the one table every surface takes its figures from."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.domain import figures
from bot.web.page import render
from bot.web.viewer import Viewer


async def help_page(request: Request, viewer: Viewer) -> Response:
    within = viewer.roster.policy.verify_within.n
    rows = [dict(name=f.name, counts=f.counts, formula=f.formula, as_of=f.as_of, whose=f.whose)
            for f in figures.FIGURES]
    return render(request, "help.html", viewer=viewer, figures=rows, verify_days=within)
