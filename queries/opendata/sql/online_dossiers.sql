-- Work dossiers completed in the period, by unit (merges followed at each dossier's date),
-- month and level: how many were processed online.
WITH dossiers AS (
    SELECT * FROM effective('dossier.completed', getvariable('known_at'))
    QUALIFY row_number() OVER (PARTITION BY dossier_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
scoped AS (
    SELECT d.*, s.resolved, coalesce(s.district_code, s.province_code) AS district_code
    FROM dossiers d ASOF JOIN unit_scopes(getvariable('known_at')) s ON s.code = d.unit_code AND d.business_date >= s.d
    WHERE d.business_date BETWEEN getvariable('start_d') AND getvariable('end_d') AND s.resolved IS NOT NULL
)
SELECT resolved AS unit_code, any_value(un.name) AS unit_name, district_code, any_value(dn.name) AS district_name, strftime(business_date, '%Y-%m') AS month, level,
       count(*) AS dossiers, count(*) FILTER (processed_online) AS processed_online,
       CAST(printf('%d.%06d', (count(*) FILTER (processed_online) * 2000000 + count(*)) // (2 * count(*)) // 1000000,
            (count(*) FILTER (processed_online) * 2000000 + count(*)) // (2 * count(*)) % 1000000) AS DECIMAL(18,6)) AS online_rate
FROM scoped
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = scoped.resolved
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = scoped.district_code
GROUP BY resolved, district_code, strftime(business_date, '%Y-%m'), level
ORDER BY unit_code, month, level
