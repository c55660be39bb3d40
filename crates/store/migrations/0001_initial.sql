-- Initial schema: tenants, their users, registrar bindings and the change feed.
-- Every tenant-owned row carries tenant_id; deleting a tenant cascades to all of it.

-- AUTOINCREMENT: ids are never reused, so a tenant id names one tenant forever (the change
-- feed relies on it to report deletions).
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    domain     TEXT    NOT NULL UNIQUE,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT  NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension  TEXT    NOT NULL,
    name       TEXT,
    email      TEXT,
    ha1_md5    TEXT    NOT NULL,
    ha1_sha256 TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (tenant_id, extension)
);

-- One row per registered contact (RFC 3261 §10.3); `path` is a JSON array of URIs
-- (RFC 3327). `id` keeps the registrar's order within one extension.
CREATE TABLE bindings (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL,
    extension  TEXT    NOT NULL,
    uri        TEXT    NOT NULL,
    q          REAL,
    expires_at BIGINT  NOT NULL,
    call_id    TEXT    NOT NULL,
    cseq       BIGINT  NOT NULL,
    path       TEXT    NOT NULL,
    instance   TEXT,
    user_agent TEXT,
    source     TEXT    NOT NULL,
    transport  TEXT    NOT NULL,
    FOREIGN KEY (tenant_id, extension) REFERENCES users (tenant_id, extension) ON DELETE CASCADE
);
CREATE INDEX bindings_tenant_extension ON bindings (tenant_id, extension);

-- Change feed: one row per committed tenant or user write, trimmed to the newest rows.
-- No foreign key: rows about deleted tenants must outlive them.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL
);
