-- Call recording (issue 5; seed 000 `options`: record_enabled, allow_rec_download): the
-- tenant's recording options, with a retention period and a disk quota on by default so
-- recordings cannot fill the disk (the seeds' recurring problem), and the recording of
-- each CDR. No row = recording off, defaults below.
CREATE TABLE media_options (
    tenant_id      BIGINT  PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    record_calls   BOOLEAN NOT NULL DEFAULT FALSE,
    allow_download BOOLEAN NOT NULL DEFAULT FALSE,
    retention_days INTEGER NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650),
    quota_mb       INTEGER NOT NULL DEFAULT 1024 CHECK (quota_mb BETWEEN 1 AND 10485760)
);

-- `recording` is the WAV file's path relative to the data directory; NULL when the call
-- was not recorded or its recording expired. `recording_bytes` counts against the quota.
ALTER TABLE cdrs ADD COLUMN recording TEXT;
ALTER TABLE cdrs ADD COLUMN recording_bytes BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cdrs_recorded ON cdrs (tenant_id, started_at) WHERE recording IS NOT NULL;
