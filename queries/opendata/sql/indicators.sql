-- The plan's indicators against their 2025 targets, for the province and every district. The
-- value is the indicators() macro's (ratio6: half-up at 6 decimals), stored as DECIMAL(38,6), the
-- macro's own type: a DECIMAL(18,6) holds no ratio of 10^12 or more, which a disbursement of
-- 10^15 VND against an allocation of 1 VND reaches. numerator and denominator are DECIMAL(38,0),
-- exact in CSV and Parquet like the funding dataset's sums: the macro's HUGEINT would reach the
-- Parquet file as DOUBLE, which rounds a sum of VND past 2^53. A small cell (satisfaction over
-- fewer than 10 responses, queries.SmallCell) publishes neither its value nor its counts, and
-- says so.
SELECT indicator_id, period, scope_level, scope_code, n.name AS scope_name,
       CASE WHEN NOT small THEN CAST(numerator AS DECIMAL(38,0)) END AS numerator,
       CASE WHEN NOT small THEN CAST(denominator AS DECIMAL(38,0)) END AS denominator,
       CASE WHEN NOT small THEN CAST(value AS DECIMAL(38,6)) END AS value,
       target,
       CASE WHEN NOT small THEN met END AS met,
       small AS suppressed
FROM (SELECT *, indicator_id = 'soc.satisfaction_rate' AND denominator BETWEEN 1 AND 9 AS small
      FROM indicators(getvariable('period'), getvariable('known_at'))) i
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) n ON n.code = i.scope_code
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code
