-- The finance system's side (issue 12).
--
-- 債権者登録: what the city registered of a supplier as creditor: its address and the bank account payments go
-- to. An invoice naming another account is held back from the export (a changed account is the classic
-- invoice fraud).
ALTER TABLE supplier_orgs ADD COLUMN address TEXT;
ALTER TABLE supplier_orgs ADD COLUMN bank_code TEXT;
ALTER TABLE supplier_orgs ADD COLUMN branch_code TEXT;
ALTER TABLE supplier_orgs ADD COLUMN account_type TEXT;
ALTER TABLE supplier_orgs ADD COLUMN account_number TEXT;
ALTER TABLE supplier_orgs ADD COLUMN account_name_kana TEXT;

-- What an approval says beyond the checklist of issue 5: 会計区分, 所属 and the tax withheld (源泉徴収).
ALTER TABLE invoice_approvals ADD COLUMN accounting_unit TEXT;
ALTER TABLE invoice_approvals ADD COLUMN department TEXT;
ALTER TABLE invoice_approvals ADD COLUMN withholding_yen BIGINT;

-- The payment export stream, one per city, in the order approvals happened: a payment record per approval and a
-- cancellation record per withdrawn approval. `snapshot_json` is what the invoice, its approval and its clocks
-- said at that moment (never rewritten); the creditor's registration is read when the record is pulled. A pull
-- leases the records it returns to the pulling client (`leased_by` until `leased_until`), so two clients never
-- get the same record; an acknowledgement (`acked_at`) ends a record's life in the stream. A record held back at
-- its last pull (missing city data, an unencodable character, another bank account) is not acknowledged with the
-- rest and comes again once fixed.
CREATE TABLE payment_exports (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    seq           BIGINT NOT NULL,
    document_id   BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('payment', 'cancellation')),
    created_at    TEXT NOT NULL,
    snapshot_json TEXT NOT NULL,
    leased_by     BIGINT,
    leased_until  TEXT,
    held_back     BIGINT NOT NULL DEFAULT 0,
    held_back_json TEXT,          -- why, at its last pull: [{field, message}]
    acked_at      TEXT,
    acked_by      BIGINT,
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX payment_exports_pending ON payment_exports (tenant_id, acked_at, seq);
CREATE INDEX payment_exports_document ON payment_exports (tenant_id, document_id, seq);

-- The finance system names invoices by their 支出負担行為番号 when it reports payments in bulk.
CREATE INDEX invoice_approvals_commitment ON invoice_approvals (tenant_id, commitment_number);
