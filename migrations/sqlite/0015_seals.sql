-- Seals (issue 13): keyed hashes made with a key kept outside the database, so that someone who can write
-- to the database cannot rewrite what it holds without being detected by verify-archive. Each archive entry's
-- seal chains to the previous entry's; documents and verdicts carry their own seal; the audit log is a chain
-- of seals per tenant whose head is kept in audit_heads. Rows written before this migration have no seal.
ALTER TABLE archive_entries ADD COLUMN seal TEXT;
ALTER TABLE archive_heads ADD COLUMN last_seal TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN seal TEXT;
ALTER TABLE document_validations ADD COLUMN seal TEXT;
ALTER TABLE audit_log ADD COLUMN seal TEXT;

CREATE TABLE audit_heads (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (tenant_id),
    last_id   BIGINT NOT NULL,
    last_seal TEXT NOT NULL
);
INSERT INTO audit_heads (tenant_id, last_id, last_seal)
SELECT tenant_id, 0, '' FROM tenants;
