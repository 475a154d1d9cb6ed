"""The event store: eventsourcing's persistence module on JetStream (persistence.py names the
parts: layout, aggregate/application/tracking recorders, subscription, factory), the synchronous
link to NATS it uses (link), the contract mapper, stream and bucket provisioning, the Application
base and the high-water marks that detect a shrinking log."""
