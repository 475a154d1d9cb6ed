"""Plain helpers of the tests, imported as `tests.support.<module>` (fixtures live in the
conftest.py files; none of these modules is collected as tests):

- checkout: the repository's root, and what the suite must not change in it
- ports, polling, processes: a free port, waiting with a deadline, a service as a process
- memory: a service's Application on eventsourcing's in-memory store with the contract mapper
- domain: builders of events and letters for domain tests
- anchoring, cluster, faults, relay, otlp, workspace: helpers of those test families
- intake, mail_samples, notifier, sla, reporting_history: helpers of one service's tests
"""
