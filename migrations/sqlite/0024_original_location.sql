-- Where each archive entry's original is kept (issue 16): 'database' (its bytes in `content`, as every entry
-- before this migration) or 'object_store' (`content` is empty; the bytes are in the S3-compatible store
-- configured under `originals`, at <tenant>/<first two hex digits>/<content_sha256>). The chain is unchanged:
-- it covers the SHA-256, which every read checks against the bytes wherever they come from.
ALTER TABLE archive_entries ADD COLUMN content_location TEXT NOT NULL DEFAULT 'database';
