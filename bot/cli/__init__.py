"""The `dudao` command line (main), what its commands do (actions) and the one place that wires the bot (bootstrap)."""
