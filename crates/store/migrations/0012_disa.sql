-- DISA (issue 5 item 7; seed 000 §4.6: options.disa_enabled for the tenant, then
-- users.disa_enabled for each user). A caller who reaches a DISA number keys in an
-- extension and its PIN and then dials out as that user, with that user's permissions.
-- `disa` holds the tenant switch (no row = off); `disa_users` the users allowed, each with
-- its PIN hashed (`vpbx_ivr::disa::DisaPin::hash`); a user without a row cannot use DISA.
-- A user's row goes with the user (ON DELETE CASCADE).
CREATE TABLE disa (
    tenant_id BIGINT  PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    enabled   BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE disa_users (
    tenant_id BIGINT NOT NULL,
    extension TEXT   NOT NULL,
    pin_hash  TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, extension),
    FOREIGN KEY (tenant_id, extension) REFERENCES users (tenant_id, extension) ON DELETE CASCADE
);
