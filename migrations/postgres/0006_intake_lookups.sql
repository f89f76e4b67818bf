-- Intake's look-up of earlier documents is three equality look-ups per submission (content hash; number;
-- number key), each answered by an index that holds its selective column right after tenant_id, so that no
-- plan, generic or custom, fresh statistics or none, can answer one by walking a tenant's documents. The
-- version key therefore leads with the number (it also serves look-ups by number, which made
-- documents_number redundant), and the number-key index leads with the key.

ALTER TABLE documents DROP CONSTRAINT documents_tenant_id_supplier_key_kind_number_version_key;
ALTER TABLE documents ADD CONSTRAINT documents_version_key UNIQUE (tenant_id, number, supplier_key, kind, version);
DROP INDEX documents_number;
DROP INDEX documents_number_key;
CREATE INDEX documents_number_key ON documents (tenant_id, number_key, supplier_key, kind, id);

-- The registry look-up asks for the newest data date imported at every intake.
CREATE INDEX registry_imports_data_date ON registry_imports (data_date);
