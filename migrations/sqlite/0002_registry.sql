-- The NTA registry of qualified invoice issuers, imported from its bulk download files.
-- National public data shared by every tenant: no tenant_id by design (a Citus reference table).

CREATE TABLE registry_issuers (
    registration_number TEXT PRIMARY KEY,
    process             TEXT NOT NULL,   -- 事業者処理区分 of the newest record: 01 new … 99 deleted
    kind                TEXT NOT NULL,   -- 人格区分: 1 individual, 2 corporation
    registration_date   TEXT,
    update_date         TEXT,
    cancellation_date   TEXT,
    expiry_date         TEXT,
    name                TEXT NOT NULL,
    trade_name          TEXT,
    address             TEXT,
    data_date           TEXT NOT NULL    -- date of the published file the record came from
);

CREATE TABLE registry_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    data_date   TEXT NOT NULL,
    full_data   INTEGER NOT NULL CHECK (full_data IN (0, 1)),
    records     BIGINT NOT NULL,
    imported_at TEXT NOT NULL
);
