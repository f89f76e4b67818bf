-- The terms an invoice's payment clock runs on, recorded when its clock starts (at intake; a corrected
-- invoice takes its chain's): a later change of a supplier's or an order's terms applies to later invoices
-- only. Invoices received before this migration have none recorded and run on the terms in force now.
ALTER TABLE invoice_cases ADD COLUMN contract_kind TEXT;
ALTER TABLE invoice_cases ADD COLUMN inspection_days BIGINT;
ALTER TABLE invoice_cases ADD COLUMN payment_days BIGINT;
ALTER TABLE invoice_cases ADD COLUMN terms_source TEXT;
