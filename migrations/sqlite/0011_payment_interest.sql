-- Late interest (支払遅延防止法 art. 8) owed with an invoice's payment, in whole yen: set when payment is
-- ordered (for the planned payment date) and again when it is paid (for the payment day). Null before.
ALTER TABLE invoice_cases ADD COLUMN interest_yen BIGINT;
