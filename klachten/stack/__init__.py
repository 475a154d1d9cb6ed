"""Ops-only code: what runs a stack on one machine, never imported by a service.

- `launch`: the one way a klachten process is started (`python -m …`, used by the supervisor,
  the tests and the benchmarks);
- `supervisor`: starts, restarts, probes and stops the processes of `klachten up`;
- `topology`: where the services listen (from the settings objects) and their processes;
- `natsserver`, `cluster`: the nats-server process, alone or as three cluster nodes;
- `permissions`: config/nats-permissions.conf rendered from shared/config/permissions.py;
- `provisioning`: streams and buckets, as admin, before any service starts;
- `ownership`, `orphans`: one stack per data folder, children that die with their starter;
- `probes`: ports, health answers, memory;
- `checkpointer`: the process that anchors the log; `stafftoken`: the stack's staff token.
"""
