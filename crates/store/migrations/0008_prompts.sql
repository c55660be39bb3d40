-- Voice prompts of a tenant (issue 5 item 2): metadata only. The audio itself is a file
-- DATA/tenants/<tenant_id>/prompts/<name>.wav (8 kHz mono 16-bit PCM), written before
-- the row is committed and removed with it. Deleting a tenant cascades to its rows; its
-- prompt directory is removed by whoever deletes the tenant (CLI, API), and tenant ids
-- are never reused (AUTOINCREMENT), so a leftover directory never shows up in another
-- tenant.
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    duration_ms BIGINT  NOT NULL CHECK (duration_ms >= 0),
    bytes       BIGINT  NOT NULL CHECK (bytes >= 0),
    source      TEXT    NOT NULL CHECK (source IN ('upload', 'tts')),
    text        TEXT,
    voice       TEXT,
    created_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, name),
    -- Synthesized prompts keep their text and voice; uploads have neither.
    CHECK ((source = 'tts') = (text IS NOT NULL AND voice IS NOT NULL)),
    CHECK (source = 'tts' OR (text IS NULL AND voice IS NULL))
);
