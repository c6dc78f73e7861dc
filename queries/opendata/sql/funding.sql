-- Funding allocated and disbursed by fiscal year, source, task and district (38: units
-- outside any district, such as province departments), dated on or before the period's end.
-- Sums are DECIMAL(38,0), exact in CSV and Parquet: a BIGINT overflows past 9.2·10^18 VND.
WITH f AS (
    SELECT event_type, fiscal_year, source, task, amount_vnd, unit_code, business_date
    FROM effective('funding.allocated', getvariable('known_at'))
    UNION ALL
    SELECT event_type, fiscal_year, source, task, amount_vnd, unit_code, business_date
    FROM effective('funding.disbursed', getvariable('known_at'))
)
SELECT f.fiscal_year, f.source, f.task, coalesce(s.district_code, '38') AS district_code,
       any_value(n.name) AS district_name,
       CAST(coalesce(sum(amount_vnd) FILTER (f.event_type = 'funding.allocated'), 0) AS DECIMAL(38,0)) AS allocated_vnd,
       CAST(coalesce(sum(amount_vnd) FILTER (f.event_type = 'funding.disbursed'), 0) AS DECIMAL(38,0)) AS disbursed_vnd
FROM f ASOF JOIN unit_scopes(getvariable('known_at')) s ON s.code = f.unit_code AND f.business_date >= s.d
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) n ON n.code = coalesce(s.district_code, '38')
WHERE f.business_date <= getvariable('end_d') AND s.resolved IS NOT NULL
GROUP BY f.fiscal_year, f.source, f.task, coalesce(s.district_code, '38')
ORDER BY fiscal_year, source, task, district_code
