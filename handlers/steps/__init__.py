"""Shared steps of the command handlers, not commands: look-ups and permission checks (lookup), plain values for
replies (views), where a reply goes (reach), what a list or count covers (scope), the month a command names
(months), one acknowledgement per photo burst (photo_acks). No module here declares a Router; every module in
handlers/ itself does."""
