-- IVR menus of a tenant (issue 5 item 3; seed 000 ivr, ivr_dtmf, ivr_list, ivr_prompts):
-- one row per menu, its prompts, options, schedule and holidays kept as the JSON of a
-- vpbx_ivr::Menu. Prompts, extensions and other menus are referenced by name; the store
-- validates the tenant's whole menu set against them whenever it writes a menu, and
-- refuses to remove a menu that another menu or a number still names.
CREATE TABLE ivr_menus (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    definition TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);
