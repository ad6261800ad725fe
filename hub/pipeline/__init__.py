"""The worker's pipeline, one way through:

checks (pure: verify a record)  ->  messages (the checked records that cross to the store
process)  ->  effects (one database transaction per batch, in stages: lock, dedupe, link,
shape, presence, match and decide, write)

and `worker/`, the threads and processes that run it: runner (poll, check, commit offsets
after the store's commit), store process and writer (apply each batch), outbox and relay
(sign and produce instructions and rejects), retry (wait out outages), registry.
"""
