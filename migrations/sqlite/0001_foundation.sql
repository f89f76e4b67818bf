-- Foundation: tenants (cities), supplier organisations, users, the append-only archive and documents.
-- Every table carries tenant_id so the schema can be distributed by tenant (Citus on PostgreSQL).
-- Times are UTC RFC 3339 text, dates ISO text, booleans 0/1 integers: the portable subset of sqlx::Any.

CREATE TABLE tenants (
    tenant_id  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE supplier_orgs (
    id                  INTEGER PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (tenant_id),
    name                TEXT NOT NULL,
    registration_number TEXT CHECK (registration_number GLOB 'T[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
    creditor_number     TEXT,   -- 債権者番号: the city's own id of this creditor
    created_at          TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, creditor_number)
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    username        TEXT NOT NULL,
    display_name    TEXT,
    role            TEXT NOT NULL CHECK (role IN ('supplier', 'staff', 'approver', 'finance', 'admin')),
    supplier_org_id BIGINT,
    is_client       INTEGER NOT NULL DEFAULT 0 CHECK (is_client IN (0, 1)),  -- a machine client (finance system)
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, username),
    FOREIGN KEY (tenant_id, supplier_org_id) REFERENCES supplier_orgs (tenant_id, id),
    -- a supplier user belongs to exactly one organisation; city users to none
    CHECK ((role = 'supplier') = (supplier_org_id IS NOT NULL))
);

-- The newest entry of each tenant's hash chain. Lets verify-archive notice a removed tail.
CREATE TABLE archive_heads (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (tenant_id),
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

-- Every submission exactly as received, accepted or not. Append-only: triggers below refuse changes.
-- entry_hash commits to every other column and to prev_hash, the entry_hash of seq - 1.
CREATE TABLE archive_entries (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    seq             BIGINT NOT NULL,
    received_at     TEXT NOT NULL,
    submitter_id    BIGINT NOT NULL,
    supplier_org_id BIGINT,
    content_sha256  TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    truncated       INTEGER NOT NULL CHECK (truncated IN (0, 1)),
    outcome         TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    error_code      TEXT,
    error_message   TEXT,
    prev_hash       TEXT NOT NULL,
    entry_hash      TEXT NOT NULL,
    content         BLOB NOT NULL,   -- last: SQLite walks a large BLOB's overflow pages to reach later columns
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX archive_entries_outcome ON archive_entries (tenant_id, outcome, seq);
CREATE INDEX archive_entries_supplier ON archive_entries (tenant_id, supplier_org_id, seq);

CREATE TRIGGER archive_entries_no_update BEFORE UPDATE ON archive_entries
BEGIN
    SELECT RAISE(ABORT, 'archive_entries is append-only');
END;
CREATE TRIGGER archive_entries_no_delete BEFORE DELETE ON archive_entries
BEGIN
    SELECT RAISE(ABORT, 'archive_entries is append-only');
END;

-- One row per accepted (parsed) submission, with the summary the archive is searched by.
CREATE TABLE documents (
    id                           INTEGER PRIMARY KEY,
    tenant_id                    TEXT NOT NULL REFERENCES tenants (tenant_id),
    archive_seq                  BIGINT NOT NULL,
    kind                         TEXT NOT NULL,
    profile                      TEXT NOT NULL,
    number                       TEXT NOT NULL,
    issue_date                   TEXT NOT NULL CHECK (issue_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status                       TEXT NOT NULL,
    supplier_org_id              BIGINT,
    supplier_key                 TEXT NOT NULL,   -- who "the same supplier" is, for versions and duplicates
    supplier_name                TEXT,
    supplier_registration_number TEXT,
    buyer_name                   TEXT,
    currency                     TEXT,
    amount_scaled                BIGINT,          -- transaction amount (取引金額) × 10^4, for range search
    content_sha256               TEXT NOT NULL,
    version                      BIGINT NOT NULL,
    previous_version_id          BIGINT,
    possible_duplicate           INTEGER NOT NULL CHECK (possible_duplicate IN (0, 1)),
    received_at                  TEXT NOT NULL,
    submitter_id                 BIGINT NOT NULL,
    summary_json                 TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, supplier_key, kind, number, version),
    FOREIGN KEY (tenant_id, archive_seq) REFERENCES archive_entries (tenant_id, seq)
);
CREATE INDEX documents_date_amount ON documents (tenant_id, issue_date, amount_scaled);
CREATE INDEX documents_supplier_date ON documents (tenant_id, supplier_org_id, issue_date, amount_scaled);
CREATE INDEX documents_content ON documents (tenant_id, content_sha256);
CREATE INDEX documents_supplier_name ON documents (tenant_id, supplier_name);
CREATE INDEX documents_supplier_regno ON documents (tenant_id, supplier_registration_number);
