-- ratio6: a helper, not an indicator. DOMAIN.md "Indicators: the exact definitions", convention
-- "The value is numerator / denominator (a ratio in 0..1; a 0 denominator gives an empty value)":
-- num / den rounded half-up to 6 decimals, exactly (integer arithmetic, no DOUBLE), as
-- DECIMAL(38,6); NULL when den is 0. The one formatter of an indicator's value: `ntm indicators`,
-- the API, the open data and the report all read it from here.
CREATE OR REPLACE MACRO ratio6(num, den) AS
    CASE WHEN den <> 0 THEN (
        WITH q AS (SELECT (CAST(num AS HUGEINT) * 2000000 + den) // (2 * CAST(den AS HUGEINT)) AS q)
        SELECT CAST(printf('%d.%06d', q // 1000000, q % 1000000) AS DECIMAL(38,6)) FROM q) END;
