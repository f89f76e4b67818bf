-- The archive's amount range is typed in yen: a document in another currency is not searched by amount
-- (its euros are not yen), as intake records it from now on.
UPDATE documents SET amount_scaled = NULL WHERE currency IS NOT NULL AND currency <> 'JPY';
