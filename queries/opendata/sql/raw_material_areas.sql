-- The agriculture map: raw-material areas registered on or before the period's end.
WITH r AS (
    SELECT * FROM effective('raw_material_area.registered', getvariable('known_at'))
    WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY area_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(getvariable('end_d'), getvariable('known_at'))
)
SELECT r.area_code, r.product, r.hectares, r.latitude, r.longitude, s.resolved AS unit_code, un.name AS unit_name, s.district_code, dn.name AS district_name,
       r.business_date AS registered_on
FROM r LEFT JOIN at_end s ON s.code = r.unit_code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = s.resolved
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = s.district_code
ORDER BY area_code
