"""One module per `klachten` command (group); klachten/cli.py mounts them.

up, streams, recover, demo, schema: the stack and its documents; audit, privacy, trace: the log,
personal data and a complaint's path; projections (with export) and sla mount the commands that
live beside their service's read models and rules.
"""
