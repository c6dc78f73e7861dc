-- period_end: a helper of indicators(), not an indicator. DOMAIN.md "Indicators: the exact
-- definitions", convention "Its end date is its last day": the last local day of the period p.
CREATE OR REPLACE MACRO period_end(p) AS
    CAST(CASE WHEN length(p) = 4 THEN period_start(p) + INTERVAL 1 YEAR
              WHEN p[6] = 'Q' THEN period_start(p) + INTERVAL 3 MONTH
              ELSE period_start(p) + INTERVAL 1 MONTH END - INTERVAL 1 DAY AS DATE);
