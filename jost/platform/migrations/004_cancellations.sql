-- Every cancellation the API accepted, written before its 202 and before its JobCancelled is
-- appended: a restart restores the cancellation instead of resuming the job.
CREATE TABLE cancellations (
    job_id VARCHAR PRIMARY KEY,
    cancelled_at TIMESTAMP NOT NULL,
    event JSON NOT NULL
);
