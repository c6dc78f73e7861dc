-- standing_until: a helper of the indicators, not an indicator. DOMAIN.md "Indicators: the exact
-- definitions", conventions "Stock indicators are evaluated at the period's end date" and
-- "Effective events only": the standing events of one type (standing() in views.sql: duplicates
-- once, correction chains and retractions settled) whose business date is on or before end_d.
-- Every indicator that reads a type up to the period's end reads it through this macro.
CREATE OR REPLACE MACRO standing_until(typ, end_d, known_at) AS TABLE
SELECT * FROM standing(typ, known_at) WHERE business_date <= end_d;
