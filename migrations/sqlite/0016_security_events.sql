-- Security events (issue 13): logins and finance-client secrets locked after repeated failures, recorded per
-- city so its administrator can see who was being guessed at and from where. Append-only like the audit log.
CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    account     TEXT,
    address     TEXT,
    detail_json TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX security_events_at ON security_events (tenant_id, at);
