-- The plan's indicators against their 2025 targets, for the province and every district.
SELECT indicator_id, period, scope_level, scope_code, numerator, denominator,
       CASE WHEN denominator <> 0 THEN CAST(printf('%d.%06d',
            (numerator * 2000000 + denominator) // (2 * denominator) // 1000000,
            (numerator * 2000000 + denominator) // (2 * denominator) % 1000000) AS DECIMAL(18,6)) END AS value,
       target, met
FROM indicators(getvariable('period'), getvariable('known_at'))
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code
