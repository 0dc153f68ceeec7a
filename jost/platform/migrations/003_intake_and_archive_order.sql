-- Every job the API accepted, written before its 202 and before its JobSubmitted is appended
-- to the log: the durable record a restart resumes from (the embedded log lives in memory),
-- and the one place an Idempotency-Key is bound to a config (job_id derives from the owner
-- and the key, so the primary key makes the binding race-free).
CREATE TABLE submissions (
    job_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    idempotency_key VARCHAR,
    rounds BIGINT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    event JSON NOT NULL
);

-- The order events were archived in. A log restored after a restart gives events new
-- offsets in a new log, so (log_partition, log_offset) alone no longer orders a job's facts;
-- seq does, across logs.
ALTER TABLE events ADD COLUMN seq BIGINT;
UPDATE events SET seq = r.n
FROM (SELECT event_id, row_number() OVER (ORDER BY log_partition, log_offset) AS n FROM events) r
WHERE events.event_id = r.event_id;
