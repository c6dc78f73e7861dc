-- indicators: every indicator of DOMAIN.md "Indicators: the exact definitions" for a period
-- ('2025', '2025-Q3', '2025-07') as known at known_at (NULL: everything committed), in the columns
-- of `ntm indicators --format csv`: period_indicators over the period's first and last days.
CREATE OR REPLACE MACRO indicators(p, known_at) AS TABLE
SELECT * FROM period_indicators(p, period_start(p), period_end(p), known_at);
