-- How `archive_entries.content` encodes an original the database keeps: 'identity' (the bytes as received,
-- every entry before this migration) or 'zlib' (an RFC 1950 stream of them, written from now on: an invoice's
-- XML takes a quarter to a third of the space). Every read decompresses and checks the SHA-256 the chain covers,
-- so the original is served byte for byte as received.
ALTER TABLE archive_entries ADD COLUMN content_encoding TEXT NOT NULL DEFAULT 'identity'
    CHECK (content_encoding IN ('identity', 'zlib'));
