-- The invoice workflow: lifecycle state per invoice, returns (差し戻し) with reasons, approvals with the
-- municipal checklist, the invoice responses issued, payment terms, per-city settings and the audit log.
-- An invoice without an invoice_cases row is in its intake state (received or rejected): the row is made
-- by the first action, so intake writes nothing extra.

CREATE TABLE invoice_cases (
    tenant_id                 TEXT NOT NULL REFERENCES tenants (tenant_id),
    document_id               BIGINT NOT NULL,
    state                     TEXT NOT NULL CHECK (state IN ('received', 'rejected', 'under_inspection', 'returned',
                                  'superseded', 'inspected', 'approved', 'payment_ordered', 'paid')),
    chain_root_id             BIGINT NOT NULL,   -- the first invoice of a chain of corrected resubmissions
    corrects_document_id      BIGINT,            -- the returned invoice this one corrects
    superseded_by_document_id BIGINT,
    inspector_id              BIGINT,
    inspected_on              TEXT,
    approver_id               BIGINT,
    approved_at               TEXT,
    payment_ordered_at        TEXT,
    payment_date              TEXT,              -- the planned payment date given with the payment order
    paid_on                   TEXT,
    updated_at                TEXT NOT NULL,
    PRIMARY KEY (tenant_id, document_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX invoice_cases_state ON invoice_cases (tenant_id, state);
CREATE INDEX invoice_cases_chain ON invoice_cases (tenant_id, chain_root_id);

CREATE TABLE invoice_returns (
    id                      INTEGER PRIMARY KEY,
    tenant_id               TEXT NOT NULL REFERENCES tenants (tenant_id),
    chain_root_id           BIGINT NOT NULL,
    document_id             BIGINT NOT NULL,   -- the invoice returned
    returned_at             TEXT NOT NULL,
    returned_on             TEXT NOT NULL,     -- the day the return was notified (Japan time): the clock pauses
    actor_id                BIGINT NOT NULL,
    reasons_json            TEXT NOT NULL,     -- [{code, text}]
    note                    TEXT,
    resubmitted_document_id BIGINT,
    resubmitted_on          TEXT,              -- the day the corrected request arrived: the clock runs again
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX invoice_returns_chain ON invoice_returns (tenant_id, chain_root_id, id);

CREATE TABLE invoice_approvals (
    tenant_id             TEXT NOT NULL REFERENCES tenants (tenant_id),
    document_id           BIGINT NOT NULL,
    approver_id           BIGINT NOT NULL,
    approved_at           TEXT NOT NULL,
    rightful_creditor     INTEGER NOT NULL CHECK (rightful_creditor IN (0, 1)),
    amount_correct        INTEGER NOT NULL CHECK (amount_correct IN (0, 1)),
    performance_confirmed INTEGER NOT NULL CHECK (performance_confirmed IN (0, 1)),
    debt_fixed            INTEGER NOT NULL CHECK (debt_fixed IN (0, 1)),
    fiscal_year           BIGINT NOT NULL,
    budget_item           TEXT NOT NULL,
    commitment_number     TEXT NOT NULL,
    payment_method        TEXT NOT NULL,
    payment_date          TEXT NOT NULL,
    note                  TEXT,
    PRIMARY KEY (tenant_id, document_id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);

CREATE TABLE invoice_responses (
    tenant_id            TEXT NOT NULL REFERENCES tenants (tenant_id),
    response_document_id BIGINT NOT NULL,
    invoice_document_id  BIGINT NOT NULL,
    status_code          TEXT NOT NULL,
    issued_at            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, response_document_id),
    FOREIGN KEY (tenant_id, response_document_id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX invoice_responses_invoice ON invoice_responses (tenant_id, invoice_document_id);

-- Contract terms overriding the statutory periods: for a supplier, or for one order of a supplier.
CREATE TABLE payment_terms (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    supplier_org_id BIGINT NOT NULL,
    order_number    TEXT NOT NULL DEFAULT '',   -- '' = every invoice of the supplier
    contract_kind   TEXT NOT NULL CHECK (contract_kind IN ('goods', 'works')),
    inspection_days BIGINT NOT NULL,
    payment_days    BIGINT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, supplier_org_id, order_number),
    FOREIGN KEY (tenant_id, supplier_org_id) REFERENCES supplier_orgs (tenant_id, id)
);

CREATE TABLE workflow_settings (
    tenant_id                TEXT PRIMARY KEY REFERENCES tenants (tenant_id),
    separate_approver        INTEGER NOT NULL CHECK (separate_approver IN (0, 1)),
    default_contract_kind    TEXT NOT NULL CHECK (default_contract_kind IN ('goods', 'works')),
    updated_at               TEXT NOT NULL
);

-- Every workflow action: who, when, the state before and after, and what was given. Append-only.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    at           TEXT NOT NULL,
    actor_id     BIGINT NOT NULL,
    actor_role   TEXT NOT NULL,
    document_id  BIGINT NOT NULL,
    action       TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state  TEXT NOT NULL,
    detail_json  TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX audit_log_document ON audit_log (tenant_id, document_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Duplicate detection: the document number reduced to a key shared by its variants (prefixes, padding,
-- full-width digits), and which side issued the document.
ALTER TABLE documents ADD COLUMN number_key TEXT;
ALTER TABLE documents ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound'));
CREATE INDEX documents_number_key ON documents (tenant_id, supplier_key, number_key);
CREATE INDEX documents_number ON documents (tenant_id, kind, number);
