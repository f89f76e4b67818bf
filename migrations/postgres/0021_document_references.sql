-- What each document refers to, by number (issue 14): the links of a document page found through an index
-- instead of a scan of every summary. Filled from the summary at every insert by a trigger, and here for the
-- documents already received. The summary stays the record; this table is derived from it.
CREATE TABLE document_references (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    document_id BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    number      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, document_id, position)
);
CREATE INDEX document_references_number ON document_references (tenant_id, number, document_id);
CREATE INDEX documents_tenant_number ON documents (tenant_id, number, id);

INSERT INTO document_references (tenant_id, document_id, position, number)
SELECT d.tenant_id, d.id, r.position - 1, r.reference ->> 'number'
FROM documents d,
     jsonb_array_elements(d.summary_json::jsonb -> 'references') WITH ORDINALITY AS r (reference, position)
WHERE r.reference ->> 'number' IS NOT NULL;

CREATE FUNCTION cie_document_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO document_references (tenant_id, document_id, position, number)
    SELECT NEW.tenant_id, NEW.id, r.position - 1, r.reference ->> 'number'
    FROM jsonb_array_elements(NEW.summary_json::jsonb -> 'references') WITH ORDINALITY AS r (reference, position)
    WHERE r.reference ->> 'number' IS NOT NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER documents_references AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION cie_document_references();
