"""Command handlers: one module per group of commands, each declaring its commands on its own Router (words,
argument reader, permission, help topic, who may use it where) beside the handler that serves them.

A handler receives a parsed command and a CommandContext, checks permission through bot.domain.permissions,
changes state through ctx.session (the caller owns the transaction) and returns Replies; it sends nothing. It
raises UserError for anything the sender should be told instead. The order of the routers is the order of the
help topics. What several handlers share (look-ups, permission checks, where a reply goes, what a list covers)
is in handlers/steps/, which declares no command.
"""
from __future__ import annotations

from bot.routing import Commands, Router
from handlers import (
    amend,
    appeals,
    binding,
    bulletins,
    campaign_checks,
    campaign_orders,
    corrections,
    documents,
    export,
    extension_requests,
    findings,
    help,
    leave,
    phone_links,
    queries,
    rectification,
    school_ranking,
    start_of_term,
    statistics,
    submissions,
    urging,
    verification,
    visits,
)

ROUTER = Router("handlers").include(
    # the closed loop and its corrections; the supervisors' and schools' other work; looking; leave; the office's
    findings.router, rectification.router, verification.router, corrections.router, amend.router,
    extension_requests.router, urging.router, appeals.router, visits.router, start_of_term.router,
    campaign_checks.router, submissions.router,
    queries.router, statistics.router, leave.router, phone_links.router,
    export.router, documents.router, school_ranking.router, bulletins.router, campaign_orders.router, binding.router,
    help.router,
)
COMMANDS = Commands(ROUTER)
