-- The plan's indicators against their 2025 targets, for the province and every district. The
-- value is the indicators() macro's (ratio6: half-up at 6 decimals), stored as DECIMAL(18,6).
SELECT indicator_id, period, scope_level, scope_code, numerator, denominator,
       CAST(value AS DECIMAL(18,6)) AS value,
       target, met
FROM indicators(getvariable('period'), getvariable('known_at'))
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code
