-- Smart-NTM pilot models registered on or before the period's end, and their approval.
WITH m AS (
    SELECT * FROM effective('smart_model.registered', getvariable('known_at'))
    WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
a AS (
    SELECT * FROM effective('smart_model.approved', getvariable('known_at'))
    WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(getvariable('end_d'), getvariable('known_at'))
)
SELECT m.model_id, m.name, m.field, m.scope, s.resolved AS unit_code, un.name AS unit_name, s.district_code, dn.name AS district_name,
       a.model_id IS NOT NULL AS approved, a.business_date AS approved_on, a.decision_ref
FROM m LEFT JOIN a USING (model_id) LEFT JOIN at_end s ON s.code = m.unit_code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = s.resolved
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = s.district_code
ORDER BY model_id
