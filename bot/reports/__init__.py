"""The read side, shared by handlers and reminders: counts and lists computed from the ledger (digests, the 通报,
the district summary, who owes a report and who has sent it, term-check progress). Plain values, no replies."""
