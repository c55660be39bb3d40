-- Routing: the tenant's numbers (DIDs, seed 000 §4.5.1 dial_numbers), outbound directions
-- (seed 000 §4.5.3 directions) and toll-fraud options (seed 001; international off by
-- default). Trunks are named, not referenced by key: a direction lists several trunks
-- (JSON array, failover order), and the store checks that they exist when it writes.

-- A number belongs to exactly one tenant: `number` (canonical digits, country code first)
-- is unique across all tenants, so an incoming call finds its tenant by number alone.
CREATE TABLE numbers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number     TEXT   NOT NULL UNIQUE,
    display    TEXT   NOT NULL,
    trunk      TEXT   NOT NULL,
    target     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX numbers_tenant ON numbers (tenant_id);

-- `pattern` NULL means the kind's built-in patterns; `strip` and `prefix` are the seed's
-- dialplan_rg_substruct/substruct4other and dial_rg_prefix/dial_mn_prefix/dial_em_prefix.
CREATE TABLE directions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
        CHECK (kind IN ('regional', 'international', 'emergency', 'other')),
    pattern    TEXT,
    strip      INTEGER NOT NULL DEFAULT 0 CHECK (strip BETWEEN 0 AND 32),
    prefix     TEXT    NOT NULL DEFAULT '',
    trunks     TEXT    NOT NULL,
    priority   INTEGER NOT NULL DEFAULT 1 CHECK (priority >= 0),
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT  NOT NULL,
    CHECK (kind <> 'other' OR pattern IS NOT NULL)
);
CREATE INDEX directions_tenant ON directions (tenant_id);

-- One row per tenant that changed the defaults; no row = international refused.
-- `allow_prefixes` is a JSON array of E.164 prefixes.
CREATE TABLE routing_options (
    tenant_id             BIGINT  PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    international_allowed BOOLEAN NOT NULL DEFAULT FALSE,
    allow_prefixes        TEXT    NOT NULL DEFAULT '[]'
);
