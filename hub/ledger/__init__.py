"""The hub's tamper-evident ledger: a hash chain over everything the hub did.

`chain` appends rows (one lock on the head row serialises workers); `verify` lets anyone who can
read the database recompute the chain and name every row that no longer fits.
"""
