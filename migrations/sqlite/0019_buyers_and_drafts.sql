-- The city's buyers (issue 14): the parties a supplier may address an invoice to, picked from a list on the
-- invoice form (the city as a whole, or a department with its own address). And drafts: what a person typed
-- into a document form, kept so that nothing is lost on an error or a closed window.
CREATE TABLE city_buyers (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    name            TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    endpoint_scheme TEXT NOT NULL,
    postal_zone     TEXT,
    city_name       TEXT NOT NULL,
    street_name     TEXT,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE document_drafts (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    user_id     BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    fields      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX document_drafts_by_user ON document_drafts (tenant_id, user_id, updated_at);
