-- Citizens' satisfaction with NTM results, by unit directly below the province at the period's end
-- (district-level units, or communes once the district level was dissolved) and for the
-- province: responses in the period to surveys on NTM satisfaction, each in the unit it lay in at
-- its date. Aggregates over fewer than 10 responses are published
-- empty, flagged as suppressed (the privacy rule of DOMAIN.md).
WITH surveys AS (
    SELECT survey_id FROM effective('survey.conducted', getvariable('known_at'))
    QUALIFY row_number() OVER (PARTITION BY survey_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
        AND topic = 'ntm_satisfaction'
),
r AS (
    SELECT s.top_code, x.satisfaction
    FROM effective('survey.response', getvariable('known_at')) x
    ASOF JOIN unit_scopes(getvariable('known_at')) s ON s.code = x.unit_code AND x.business_date >= s.d
    WHERE x.business_date BETWEEN getvariable('start_d') AND getvariable('end_d')
      AND x.survey_id IN (SELECT survey_id FROM surveys) AND s.resolved IS NOT NULL
),
tops AS (SELECT code, level FROM units_at(getvariable('end_d'), getvariable('known_at')) WHERE top_code = code),
agg AS (
    SELECT 'province' AS scope_level, '38' AS scope_code, count(*) AS n, count(*) FILTER (satisfaction >= 4) AS ok FROM r
    UNION ALL
    SELECT t.level, t.code, count(r.satisfaction), count(r.satisfaction) FILTER (r.satisfaction >= 4)
    FROM tops t LEFT JOIN r ON r.top_code = t.code GROUP BY t.level, t.code
)
SELECT scope_level, scope_code, un.name AS scope_name,
       n < 10 AS suppressed,
       CASE WHEN n >= 10 THEN n END AS responses,
       CASE WHEN n >= 10 THEN ok END AS satisfied,
       CASE WHEN n >= 10 THEN CAST(printf('%d.%06d', (ok * 2000000 + n) // (2 * n) // 1000000,
            (ok * 2000000 + n) // (2 * n) % 1000000) AS DECIMAL(18,6)) END AS satisfaction_rate
FROM agg LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) un ON un.code = agg.scope_code
ORDER BY CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code
