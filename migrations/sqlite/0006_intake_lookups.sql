-- Intake's look-up of earlier documents is three equality look-ups per submission (content hash; number;
-- number key), each answered by an index whose selective column comes right after the equalities SQLite can
-- match. SQLite picks the index matching the most equalities, so the version key (declared in the table,
-- tenant_id, supplier_key, kind, number, version) answers look-ups by number, and the number-key index leads
-- with the key so that it wins for variants.

DROP INDEX documents_number_key;
CREATE INDEX documents_number_key ON documents (tenant_id, number_key, supplier_key, kind, id);

-- The registry look-up asks for the newest data date imported at every intake.
CREATE INDEX registry_imports_data_date ON registry_imports (data_date);
