-- Invitations (issue 14): a city administrator invites a person by link; following it, the person sets a
-- password and the user is made. Only the link token's SHA-256 is kept; an invitation is used once.
CREATE TABLE invitations (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    token_sha256    TEXT NOT NULL,
    username        TEXT NOT NULL,
    role            TEXT NOT NULL,
    display_name    TEXT,
    supplier_org_id BIGINT,
    created_by      BIGINT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT,
    PRIMARY KEY (tenant_id, token_sha256)
);
