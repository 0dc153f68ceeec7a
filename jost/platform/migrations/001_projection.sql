-- The projection of jost.events. Times are UTC (TIMESTAMP without zone: the Python client
-- needs pytz to read TIMESTAMPTZ). JSON columns hold the event bodies as they were logged.

-- Every event, once: the archive a projection can be rebuilt from when the log no longer
-- holds it. (log_partition, log_offset) is its place in the log.
CREATE TABLE events (
    event_id VARCHAR PRIMARY KEY,
    job_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    shard_index INTEGER,
    log_partition INTEGER NOT NULL,
    log_offset BIGINT NOT NULL,
    emitted_at TIMESTAMP NOT NULL,
    schema_version INTEGER NOT NULL,
    body JSON NOT NULL
);

CREATE TABLE jobs (
    job_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    rounds BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    shards_total INTEGER,
    shards_done INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    planned_at TIMESTAMP,
    finished_at TIMESTAMP,
    idempotency_key VARCHAR,
    error VARCHAR,
    config JSON NOT NULL
);

CREATE TABLE shards (
    job_id VARCHAR NOT NULL,
    shard_index INTEGER NOT NULL,
    rounds BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    completed_at TIMESTAMP,
    seconds DOUBLE,
    error VARCHAR,
    stats JSON,
    PRIMARY KEY (job_id, shard_index)
);

CREATE TABLE results (
    job_id VARCHAR PRIMARY KEY,
    rounds BIGINT NOT NULL,
    ev DOUBLE NOT NULL,
    ev_stderr DOUBLE NOT NULL,
    completed_at TIMESTAMP NOT NULL,
    summary JSON NOT NULL,
    stats JSON NOT NULL
);

-- The next log offset to apply per partition, written in the same transaction as the rows.
CREATE TABLE projector_offsets (
    topic VARCHAR NOT NULL,
    log_partition INTEGER NOT NULL,
    next_offset BIGINT NOT NULL,
    PRIMARY KEY (topic, log_partition)
);
