-- Voicemail (issue 5 item 6; seed 001: voicemail mailed as an attachment, optionally
-- deleted after sending). One box per extension: the box goes with its user (ON DELETE
-- CASCADE). `email` NULL means the user's own e-mail address; `greeting` names a prompt
-- of the tenant (NULL: the built-in greeting).
CREATE TABLE voicemail_boxes (
    tenant_id         BIGINT  NOT NULL,
    extension         TEXT    NOT NULL,
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    email             TEXT,
    greeting          TEXT,
    delete_after_send BOOLEAN NOT NULL DEFAULT FALSE,
    max_seconds       INTEGER NOT NULL DEFAULT 120 CHECK (max_seconds BETWEEN 5 AND 600),
    PRIMARY KEY (tenant_id, extension),
    FOREIGN KEY (tenant_id, extension) REFERENCES users (tenant_id, extension) ON DELETE CASCADE
);

-- One row per message left. `path` is the WAV file relative to the data directory, NULL
-- once the file is gone (deleted after mailing). Messages belong to the tenant, not the
-- user, so removing an extension never leaves a file on disk without a row naming it;
-- deleting the tenant cascades (its directory is removed by whoever deletes the tenant).
-- Times are unix milliseconds.
CREATE TABLE voicemail_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension   TEXT    NOT NULL,
    caller      TEXT    NOT NULL,
    call_id     TEXT    NOT NULL,
    path        TEXT,
    duration_ms BIGINT  NOT NULL CHECK (duration_ms >= 0),
    bytes       BIGINT  NOT NULL CHECK (bytes >= 0),
    created_at  BIGINT  NOT NULL,
    emailed_at  BIGINT,
    heard       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX voicemail_messages_box ON voicemail_messages (tenant_id, extension, created_at);
