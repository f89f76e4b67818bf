-- Each invoice's payment deadline kept on its case (issues 14 and 16), so that the inbox reads the earliest
-- deadlines from an index instead of computing every open invoice's clock per request. The store recomputes
-- them with cie-workflow's clock in the same transaction as every change that moves them (intake, each step,
-- a return, a corrected invoice); the server fills them at start for cases recorded before this migration.
--   payment_deadline  the deadline as the clock last stood (for a returned invoice: as it stood on the day of
--                     the return); null for rejected and superseded invoices, which have no clock
--   open_deadline     the same while the invoice is open and its clock runs (received, under inspection,
--                     inspected, approved, payment ordered); null otherwise: the inbox's sort key
--   paused_days_left  for a returned invoice, whose clock stands still until the correction arrives: the days
--                     its payment period had left when it was returned; null otherwise
ALTER TABLE invoice_cases ADD COLUMN payment_deadline TEXT;
ALTER TABLE invoice_cases ADD COLUMN open_deadline TEXT;
ALTER TABLE invoice_cases ADD COLUMN paused_days_left BIGINT;
CREATE INDEX invoice_cases_open_deadline ON invoice_cases (tenant_id, open_deadline, document_id);
-- The cases still to fill (those recorded before this migration): empty once the server has started.
CREATE INDEX invoice_cases_without_deadlines ON invoice_cases (tenant_id, document_id)
    WHERE payment_deadline IS NULL AND state NOT IN ('rejected', 'superseded');
