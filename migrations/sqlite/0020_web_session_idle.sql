-- A web session also ends after a while without use (issue 14): when it was last used, updated at most once a
-- minute. NULL until the first use after this migration.
ALTER TABLE web_sessions ADD COLUMN last_seen_at TEXT;
