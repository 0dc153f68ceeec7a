-- Sweeps (issue 17): a base config plus axes, run as one sweep of ordinary jobs.

-- Every sweep the API accepted, written before its 202 (in the transaction that records its
-- points' jobs in submissions) and before its SweepSubmitted is appended: one Idempotency-Key,
-- one sweep, and what a restart restores into a new log.
CREATE TABLE sweep_intake (
    sweep_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    event JSON NOT NULL
);

-- The fold of the SweepSubmitted facts: one row per sweep, one per point.
CREATE TABLE sweeps (
    sweep_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    axes JSON NOT NULL,
    points INTEGER NOT NULL,
    idempotency_key VARCHAR,
    submitted_at TIMESTAMP NOT NULL
);

CREATE TABLE sweep_points (
    sweep_id VARCHAR NOT NULL,
    point INTEGER NOT NULL,
    job_id VARCHAR NOT NULL,
    axis_values JSON NOT NULL,
    rounds BIGINT NOT NULL,
    shards INTEGER NOT NULL,
    PRIMARY KEY (sweep_id, point)
);

-- One row per point: its axes' values, its job's status and, once completed, its figures (as
-- in the job's summary; ror is the formula's risk of ruin at the config's bankroll).
CREATE VIEW sweep_results AS
SELECT
    p.sweep_id,
    s.name,
    p.point,
    p.job_id,
    p.axis_values,
    coalesce(j.status, 'submitted') AS status,
    r.rounds,
    r.ev,
    r.ev_stderr,
    CAST(r.summary ->> 'ev_ci95_low' AS DOUBLE) AS ev_ci95_low,
    CAST(r.summary ->> 'ev_ci95_high' AS DOUBLE) AS ev_ci95_high,
    CAST(r.summary ->> 'win_per_100' AS DOUBLE) AS win_per_100,
    CAST(r.summary ->> 'sd_per_100' AS DOUBLE) AS sd_per_100,
    CAST(r.summary ->> 'score' AS DOUBLE) AS score,
    CAST(r.summary ->> 'n0' AS DOUBLE) AS n0,
    CAST(r.summary -> 'risk' ->> 'ror_formula' AS DOUBLE) AS ror
FROM sweep_points p
JOIN sweeps s USING (sweep_id)
LEFT JOIN jobs j USING (job_id)
LEFT JOIN results r USING (job_id);
