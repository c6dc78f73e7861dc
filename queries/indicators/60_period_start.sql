-- period_start: a helper of indicators(), not an indicator. DOMAIN.md "Indicators: the exact
-- definitions", convention "A period is a year 2025, a quarter 2025-Q3 or a month 2025-07": the
-- first local day of the period p.
CREATE OR REPLACE MACRO period_start(p) AS
    CASE WHEN length(p) = 4 THEN make_date(CAST(p AS INTEGER), 1, 1)
         WHEN p[6] = 'Q' THEN make_date(CAST(p[1:4] AS INTEGER), (CAST(p[7] AS INTEGER) - 1) * 3 + 1, 1)
         ELSE make_date(CAST(p[1:4] AS INTEGER), CAST(p[6:7] AS INTEGER), 1) END;
