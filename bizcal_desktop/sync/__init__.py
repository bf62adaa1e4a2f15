"""Background work: the outbox-draining sync engine, the importer, the scheduler."""
