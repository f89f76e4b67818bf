-- The tax-office package (issue 12): the archive entries received in a date range are found through their
-- arrival time, and each entry's document through its archive entry, without walking a city's archive.
CREATE INDEX archive_entries_received ON archive_entries (tenant_id, received_at, seq);
CREATE INDEX documents_archive_seq ON documents (tenant_id, archive_seq);
