-- SIP trunks: per-tenant carrier connections (seed 000 §4.5.2 sip_trunks, Asterisk sip.conf
-- peers). The digest secret is stored only encrypted (ChaCha20-Poly1305, nonce || ciphertext,
-- key in <data dir>/trunk.key); NULL when the carrier authenticates us by address.
CREATE TABLE trunks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
    host            TEXT    NOT NULL,
    port            INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    transport       TEXT    NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
    username        TEXT,
    secret_enc      BLOB,
    from_user       TEXT,
    from_domain     TEXT,
    register        BOOLEAN NOT NULL DEFAULT FALSE,
    call_limit      INTEGER CHECK (call_limit IS NULL OR call_limit > 0),
    codecs          TEXT    NOT NULL DEFAULT 'PCMA,PCMU',
    -- Asterisk insecure=invite,port: INVITEs from the trunk's address need no digest.
    insecure_invite BOOLEAN NOT NULL DEFAULT FALSE,
    qualify         BOOLEAN NOT NULL DEFAULT TRUE,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT  NOT NULL,
    UNIQUE (tenant_id, name),
    -- A registering trunk needs credentials.
    CHECK (NOT register OR username IS NOT NULL)
);
-- Inbound matching looks trunks up by the source address of a request.
CREATE INDEX trunks_host ON trunks (host);
