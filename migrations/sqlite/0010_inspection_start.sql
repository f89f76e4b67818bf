-- The day an invoice's inspection period (支払遅延防止法 art. 5) is counted from, recorded at intake: the
-- date of the delivery note it refers to, else the delivery date it states, else the day it arrived. A return
-- of the invoice pauses the payment period only. Invoices received before this migration have none recorded
-- and are inspected from the day they arrived, as before.
ALTER TABLE invoice_cases ADD COLUMN inspection_from TEXT;
ALTER TABLE invoice_cases ADD COLUMN inspection_basis TEXT;
