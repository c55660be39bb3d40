-- Web and API accounts (issue 6): who may use the REST API and the web cabinet, with
-- their API tokens and web sessions. Passwords are argon2id PHC strings; tokens and
-- session ids are stored only as SHA-256 hashes (hex), never in clear.

-- role 'platform' (every tenant, no tenant_id), 'admin' (one tenant) or 'user' (one
-- tenant, read-only, optionally bound to an extension). Deleting a tenant deletes its
-- accounts.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT   NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    role          TEXT   NOT NULL CHECK (role IN ('platform', 'admin', 'user')),
    tenant_id     BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    extension     TEXT,
    created_at    BIGINT NOT NULL,
    CHECK ((role = 'platform') = (tenant_id IS NULL)),
    CHECK (extension IS NULL OR role = 'user')
);
CREATE INDEX accounts_tenant ON accounts (tenant_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    hash       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE sessions (
    hash       TEXT   PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
