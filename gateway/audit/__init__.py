"""A tamper-evident audit log: hash-chained JSON lines, written by one asyncio task,
checked by `verify` and read back by `query`."""
