-- Sessions of the web pages (issue 14): a random token in an HttpOnly cookie, kept here only as its SHA-256,
-- with the user it belongs to, the token forms must carry (CSRF) and when it ends. Logging out deletes the row.
CREATE TABLE web_sessions (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    token_sha256 TEXT NOT NULL,
    user_id      BIGINT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token_sha256)
);
