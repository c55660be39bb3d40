-- CDR search over millions of rows per tenant (issue 6).
--
-- A number search (caller OR callee) over a long window was served by the
-- (tenant_id, started_at) index: SQLite walked the window newest first and tested every row
-- for the number, so finding 100 calls of one extension among 10 million rows read tens of
-- thousands of rows. With started_at after the number the search becomes two ordered range
-- scans (one per side, merged by the query) that stop after the page. The old
-- (tenant_id, caller) and (tenant_id, callee) indexes are prefixes of the new ones.
DROP INDEX IF EXISTS cdrs_tenant_caller;
DROP INDEX IF EXISTS cdrs_tenant_callee;
CREATE INDEX cdrs_tenant_caller_started ON cdrs (tenant_id, caller, started_at);
CREATE INDEX cdrs_tenant_callee_started ON cdrs (tenant_id, callee, started_at);
-- A disposition filter (e.g. FAILED calls of a month) reads only matching rows instead of
-- the whole window when the disposition is rare or absent.
CREATE INDEX cdrs_tenant_disposition_started ON cdrs (tenant_id, disposition, started_at);
