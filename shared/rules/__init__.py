"""Pure rules of complaint handling: no I/O, no environment, no clock (a test checks)."""
