"""Provable history: hash chains (audit), writers' signatures (signing, authorship), re-deciding
stored events by the rules (redecide), signed checkpoints, their anchoring, and case files."""
