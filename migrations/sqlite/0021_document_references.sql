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
SELECT d.tenant_id, d.id, r.key, json_extract(r.value, '$.number')
FROM documents d, json_each(d.summary_json, '$.references') r
WHERE json_extract(r.value, '$.number') IS NOT NULL;

CREATE TRIGGER documents_references AFTER INSERT ON documents
BEGIN
    INSERT INTO document_references (tenant_id, document_id, position, number)
    SELECT NEW.tenant_id, NEW.id, r.key, json_extract(r.value, '$.number')
    FROM json_each(NEW.summary_json, '$.references') r
    WHERE json_extract(r.value, '$.number') IS NOT NULL;
END;
