"""The rules of time: what is due now (pure functions of the database and a clock), the sweep that sends it,
and the APScheduler wiring that fires the sweep. No job per finding: the database is the source of truth."""
