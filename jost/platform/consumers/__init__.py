"""Consumers of the log in a worker process: the coordinator (plans, re-requests, completes),
the engine worker (runs shards) and the job directory they read configs from."""
