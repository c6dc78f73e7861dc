-- OCOP products with their latest star rating on or before the period's end.
WITH r AS (
    SELECT * FROM effective('ocop.product_rated', getvariable('known_at'))
    WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(getvariable('end_d'), getvariable('known_at'))
)
SELECT r.product_id, r.name, r.category, r.stars, r.business_date AS rated_on,
       coalesce(s.commune_code, s.resolved) AS unit_code, un.name AS unit_name, s.district_code, dn.name AS district_name
FROM r LEFT JOIN at_end s ON s.code = r.unit_code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = coalesce(s.commune_code, s.resolved)
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = s.district_code
ORDER BY product_id
