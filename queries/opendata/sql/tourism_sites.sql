-- The rural-tourism map: sites registered on or before the period's end.
WITH t AS (
    SELECT * FROM effective('tourism_site.registered', getvariable('known_at'))
    WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(getvariable('end_d'), getvariable('known_at'))
)
SELECT t.site_id, t.name, t.kind, t.latitude, t.longitude, s.resolved AS unit_code, un.name AS unit_name, s.district_code, dn.name AS district_name,
       t.business_date AS registered_on
FROM t LEFT JOIN at_end s ON s.code = t.unit_code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = s.resolved
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = s.district_code
ORDER BY site_id
