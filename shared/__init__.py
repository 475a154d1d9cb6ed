"""Shared kernel of klachten: the event contract, the Complaint aggregate, the JetStream
persistence module for eventsourcing, settings and the business calendar."""
