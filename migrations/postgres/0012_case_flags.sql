-- What the inbox shows and filters by for each invoice, kept on its case so that a listing reads no verdicts,
-- registry answers or lines: the worst finding severity of its newest verdict (fatal, error, warning, info,
-- none), the registry's answer for its 登録番号, whether intake found an earlier document like it, and how its
-- lines match its order and delivery notes (matched, differences, no_order, unreadable; null until matched).
-- Intake sets the first three, a further verdict (a registry re-check) updates them, the matching sets the last.
ALTER TABLE invoice_cases ADD COLUMN worst_severity TEXT;
ALTER TABLE invoice_cases ADD COLUMN registry_status TEXT;
ALTER TABLE invoice_cases ADD COLUMN possible_duplicate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoice_cases ADD COLUMN match_status TEXT;

UPDATE invoice_cases SET
    worst_severity = (
        SELECT CASE WHEN v.fatal_count > 0 THEN 'fatal' WHEN v.error_count > 0 THEN 'error'
                    WHEN v.warning_count > 0 THEN 'warning' ELSE 'none' END
        FROM document_validations v
        WHERE v.tenant_id = invoice_cases.tenant_id AND v.document_id = invoice_cases.document_id
        ORDER BY v.id DESC LIMIT 1),
    registry_status = (
        SELECT CAST(v.registry_json AS JSON) ->> 'status'
        FROM document_validations v
        WHERE v.tenant_id = invoice_cases.tenant_id AND v.document_id = invoice_cases.document_id
        ORDER BY v.id DESC LIMIT 1),
    possible_duplicate = (
        SELECT CASE WHEN d.possible_duplicate <> 0 OR EXISTS (
                   SELECT 1 FROM document_validations v
                   WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id AND v.findings_json LIKE '%cie-dup-%')
               THEN 1 ELSE 0 END
        FROM documents d WHERE d.tenant_id = invoice_cases.tenant_id AND d.id = invoice_cases.document_id);
