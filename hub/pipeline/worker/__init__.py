"""The worker process and its threads: polling and offsets (runner), the store process, the
writer, the outbox and relay that sign and produce, retries and the key registry."""
