-- Search and the inbox read what they need from indexes, however large the archive.
--
-- Every invoice received from a supplier has its workflow case from intake on (state received, or rejected
-- when intake refused it), carrying its supplier organisation, so that the inbox and the invoice lists read
-- cases by state, by organisation or newest first instead of walking the tenant's documents to find the
-- invoices without a case.
ALTER TABLE invoice_cases ADD COLUMN supplier_org_id BIGINT;
UPDATE invoice_cases SET supplier_org_id = (
    SELECT d.supplier_org_id FROM documents d
    WHERE d.tenant_id = invoice_cases.tenant_id AND d.id = invoice_cases.document_id
);
INSERT INTO invoice_cases (tenant_id, document_id, state, chain_root_id, supplier_org_id, updated_at)
SELECT d.tenant_id, d.id, d.status, d.id, d.supplier_org_id, d.received_at FROM documents d
WHERE d.kind = 'invoice' AND d.direction = 'inbound'
  AND NOT EXISTS (SELECT 1 FROM invoice_cases c WHERE c.tenant_id = d.tenant_id AND c.document_id = d.id);
DROP INDEX invoice_cases_state;
CREATE INDEX invoice_cases_state ON invoice_cases (tenant_id, state, document_id);
CREATE INDEX invoice_cases_supplier ON invoice_cases (tenant_id, supplier_org_id, document_id);
CREATE INDEX invoice_cases_supplier_state ON invoice_cases (tenant_id, supplier_org_id, state, document_id);

-- The distinct counterparty names (supplier and buyer) of each city's documents: a search for part of a name
-- compares these few names as a person means them (spaces, width and case aside), then reads the documents of
-- the names found by index. Kept by intake.
CREATE TABLE counterparty_names (
    tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id),
    name      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
INSERT INTO counterparty_names (tenant_id, name)
SELECT tenant_id, supplier_name FROM documents WHERE supplier_name IS NOT NULL
UNION
SELECT tenant_id, buyer_name FROM documents WHERE buyer_name IS NOT NULL;
CREATE INDEX documents_buyer_name ON documents (tenant_id, buyer_name);

-- Searches by amount alone, and listings newest first (a city's, a supplier's).
CREATE INDEX documents_amount ON documents (tenant_id, amount_scaled);
CREATE INDEX documents_received ON documents (tenant_id, received_at, id);
CREATE INDEX documents_supplier_received ON documents (tenant_id, supplier_org_id, received_at, id);
