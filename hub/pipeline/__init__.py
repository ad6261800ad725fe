"""The worker's pipeline, one way through:

checks (pure: verify a record)  ->  effects (one database transaction per batch)
->  relay (sign and produce instructions and rejects)  ->  runner (offsets, retries)
"""
