"""The command language: normalise a chat message and turn it into a typed command (or nothing)."""
