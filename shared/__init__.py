"""Shared kernel of klachten, by what each part is: contract/ (what other programs read), rules/
(pure decisions and the aggregate), config/ (settings, policy), eventstore/, integrity/, privacy/,
runtime/. Services import these, never each other."""
