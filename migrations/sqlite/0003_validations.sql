-- The verdict of the rule engine on a document: its findings (rule id, severity, location, messages in
-- Japanese and English), the rule sets applied, and what the NTA registry said, with its data date.

CREATE TABLE document_validations (
    id            INTEGER PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    document_id   BIGINT NOT NULL,
    validated_at  TEXT NOT NULL,
    fatal_count   BIGINT NOT NULL,
    error_count   BIGINT NOT NULL,
    warning_count BIGINT NOT NULL,
    rule_sets     TEXT NOT NULL,   -- space-separated, e.g. "ubl-2.1-schema jp-pint 1.1.3 cie-jp 1"
    findings_json TEXT NOT NULL,
    registry_json TEXT,            -- the registry's answer and its data date, when consulted
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX document_validations_document ON document_validations (tenant_id, document_id, id);
