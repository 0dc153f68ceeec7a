-- Tokens an admin issues and revokes while the platform runs (issue 14).

-- The fold of the TokenIssued and TokenRevoked facts: one row per token name. Keys are never
-- stored, only their sha256 digest.
CREATE TABLE tokens (
    name VARCHAR PRIMARY KEY,
    digest VARCHAR NOT NULL,
    admin BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Every token fact the API accepted, written before its answer and before the fact is
-- appended: the token works (or is refused) on the very next request, whatever the fold's lag,
-- and a restart restores the facts into a new log. Keyed by the fact's id, which derives from
-- the token's name and the kind: one issue per name, for good.
CREATE TABLE token_intake (
    event_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    event JSON NOT NULL
);

-- Token facts are archived with the jobs' facts (the archive rebuilds the tokens too); they
-- belong to no job.
ALTER TABLE events ALTER COLUMN job_id DROP NOT NULL;
