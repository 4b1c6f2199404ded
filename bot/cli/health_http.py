"""/healthz and /metrics over HTTP: on METRICS_LISTEN (a small app of their own, behind the desk's security
headers), or among the desk's routes when `dudao run --web` (bot/cli/desk_actions.py)."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.cli.health import Health
from bot.web.desk import SecurityHeaders


def health_routes(health: Health) -> list[Route]:
    async def healthz(request: Request) -> Response:
        report = await health.report()
        return JSONResponse(report.body(), status_code=200 if report.ok else 503)

    async def metrics(request: Request) -> Response:
        return Response(await health.metrics(), media_type=CONTENT_TYPE_LATEST)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"])]


def health_app(health: Health) -> Starlette:
    """The two routes alone (METRICS_LISTEN), with the desk's headers (no-store, nosniff, …)."""
    return Starlette(routes=health_routes(health), middleware=[Middleware(SecurityHeaders)])
