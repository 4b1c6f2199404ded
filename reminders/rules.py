"""The rules the sweep asks, in order (most urgent first)."""
from __future__ import annotations

from reminders.appeals_waiting import appeal_rule
from reminders.calendar_gap import calendar_gap_rule
from reminders.campaign_reminders import campaigns_rule
from reminders.digests import digest_rule
from reminders.due_today import due_today_rule
from reminders.ladder import ladder_rule
from reminders.monthly import monthly_rule
from reminders.terms import terms_rule
from reminders.verify import verify_rule

RULES: list = [ladder_rule, verify_rule, appeal_rule, due_today_rule, monthly_rule, terms_rule, campaigns_rule,
                digest_rule, calendar_gap_rule]
