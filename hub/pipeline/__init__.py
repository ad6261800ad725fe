"""The worker's pipeline, one way through:

checks (pure: verify a record)  ->  messages (the checked records that cross to the store
process)  ->  effects (one database transaction per batch, in stages)
->  relay (sign and produce instructions and rejects)  ->  runner (offsets, retries)
"""
