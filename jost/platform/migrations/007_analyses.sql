-- Index analyses run on the platform (issue 17 item 1: POST /api/indices/).

-- Every analysis the API accepted, written before its 202 and before its AnalysisSubmitted is
-- appended: what a restart restores into a new log, and where an Idempotency-Key is bound to
-- a request (analysis_id derives from the owner and the key).
CREATE TABLE analysis_intake (
    analysis_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    idempotency_key VARCHAR,
    accepted_at TIMESTAMP NOT NULL,
    event JSON NOT NULL
);

-- The fold of the analyses' facts: one row per analysis.
CREATE TABLE analyses (
    analysis_id VARCHAR PRIMARY KEY,
    owner VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    per_count INTEGER NOT NULL,
    seed BIGINT NOT NULL,
    count_system VARCHAR,
    compositions_total INTEGER,
    slices_total INTEGER,
    submitted_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error VARCHAR,
    idempotency_key VARCHAR,
    config JSON NOT NULL,
    plan JSON,
    result JSON
);

-- Each slice's partial sums as they come (any order, any partition); merged in slice order
-- once all are in.
CREATE TABLE analysis_slices (
    analysis_id VARCHAR NOT NULL,
    slice_index INTEGER NOT NULL,
    compositions INTEGER NOT NULL,
    completed_at TIMESTAMP NOT NULL,
    seconds DOUBLE NOT NULL,
    sums JSON NOT NULL,
    PRIMARY KEY (analysis_id, slice_index)
);
