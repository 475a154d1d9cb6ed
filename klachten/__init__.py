"""Composition root: the `klachten` command (stack supervisor, admin and audit tools)."""
