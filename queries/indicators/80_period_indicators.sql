-- period_indicators: every indicator of DOMAIN.md "Indicators: the exact definitions" for a period
-- given with its label p and its bounds (indicators() derives them from the label), as known at
-- known_at (NULL: everything committed), in the columns of `ntm indicators --format csv`. value is
-- ratio6(numerator, denominator); met compares the exact ratio with the target in integers
-- (convention "met compares the exact ratio (not the rounded value) with the target"). The bounds
-- are spelled into every filter of indicator_values that uses them, so passing them as date
-- literals (as queries.Indicators does) keeps the query cheap to plan.
CREATE OR REPLACE MACRO period_indicators(p, start_d, end_d, known_at) AS TABLE
SELECT indicator_id, p AS period, scope_level, scope_code, numerator, denominator,
       ratio6(numerator, denominator) AS value,
       target,
       CASE WHEN target IS NOT NULL AND denominator <> 0
            THEN CAST(numerator AS HUGEINT) * 100 >= CAST(round(target * 100) AS HUGEINT) * denominator END AS met
FROM indicator_values(start_d, end_d, known_at)
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code;
