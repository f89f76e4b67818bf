-- Indexes for intake's look-up of earlier documents, ending in id so that "the first (or newest) match" is read
-- straight from the index: without it PostgreSQL may walk the whole tenant in id order looking for a match
-- that does not exist, which made intake slower as the archive grew.

DROP INDEX documents_content;
CREATE INDEX documents_content ON documents (tenant_id, content_sha256, id);
DROP INDEX documents_number_key;
CREATE INDEX documents_number_key ON documents (tenant_id, supplier_key, kind, number_key, id);
