-- Music on hold (issue 5): the prompt a tenant's held callers hear, looped. No row (or a
-- NULL prompt) = no music: the held party hears what the holder sends, as before.
CREATE TABLE moh (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    prompt    TEXT
);
