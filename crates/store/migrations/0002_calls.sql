-- Calls: call detail records and per-extension call limits.

-- One row per finished call. Times are unix milliseconds; duration_ms = ended_at - started_at
-- and billsec_ms = ended_at - answered_at (0 when never answered) are stored so listings and
-- sums need no arithmetic. `quality` is a JSON object of per-leg RTCP statistics.
CREATE TABLE cdrs (
    id           INTEGER PRIMARY KEY,
    tenant_id    BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    call_id      TEXT    NOT NULL,
    caller       TEXT    NOT NULL,
    callee       TEXT    NOT NULL,
    started_at   BIGINT  NOT NULL,
    answered_at  BIGINT,
    ended_at     BIGINT  NOT NULL,
    duration_ms  BIGINT  NOT NULL,
    billsec_ms   BIGINT  NOT NULL,
    disposition  TEXT    NOT NULL
        CHECK (disposition IN ('ANSWERED', 'BUSY', 'NO ANSWER', 'FAILED', 'CANCELLED')),
    hangup_side  TEXT    NOT NULL CHECK (hangup_side IN ('caller', 'callee', 'system')),
    hangup_cause TEXT    NOT NULL,
    codec_a      TEXT,
    codec_b      TEXT,
    quality      TEXT,
    UNIQUE (tenant_id, call_id)
);
-- Listing by time range is the common query: without this index every listing scans all
-- tenants' CDRs.
CREATE INDEX cdrs_tenant_started ON cdrs (tenant_id, started_at);
-- Number search (caller OR callee) uses both indexes.
CREATE INDEX cdrs_tenant_caller ON cdrs (tenant_id, caller);
CREATE INDEX cdrs_tenant_callee ON cdrs (tenant_id, callee);

-- Asterisk sip.conf `call-limit`: most concurrent calls of the extension, in and out; and
-- `busylevel`: at this many calls the extension is busy for new incoming calls. NULL means
-- no limit.
ALTER TABLE users ADD COLUMN call_limit INTEGER CHECK (call_limit IS NULL OR call_limit > 0);
ALTER TABLE users ADD COLUMN busy_level INTEGER CHECK (busy_level IS NULL OR busy_level > 0);
