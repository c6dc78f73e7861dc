-- Each commune's latest assessment of every NTM criteria indicator, at the period's end.
WITH communes AS (SELECT * FROM units_at(getvariable('end_d'), getvariable('known_at')) WHERE level = 'commune'),
names AS (SELECT * FROM unit_names(getvariable('end_d'), getvariable('known_at'))),
latest AS (
    SELECT * FROM effective('criterion.assessed', getvariable('known_at'))
    WHERE assessed_on <= getvariable('end_d') AND criteria_set IN ('commune_ntm', 'commune_ntm_advanced')
    QUALIFY row_number() OVER (PARTITION BY unit_code, criteria_set, indicator
                               ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
)
SELECT c.code AS commune_code, n.name AS commune_name, c.district_code, dn.name AS district_name, a.criteria_set, a.criterion,
       a.indicator, a.met, a.assessed_on, a.decision_ref
FROM communes c JOIN latest a ON a.unit_code = c.code LEFT JOIN names n ON n.code = c.code
LEFT JOIN names dn ON dn.code = c.district_code
ORDER BY commune_code, criteria_set, indicator
