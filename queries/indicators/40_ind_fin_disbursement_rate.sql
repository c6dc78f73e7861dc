-- fin.disbursement_rate: DOMAIN.md "Indicators: the exact definitions", its row (flow, "The 2025
-- targets" 6, funding).
--
-- ind_fin_disbursement_rate: funding of the period's fiscal year Y (the year of end_d), per unit
-- and business day: funding.disbursed amount_vnd of Y dated on or before end_d (num) and
-- funding.allocated amount_vnd of Y whatever its date (den). A flow indicator's rows for
-- indicator_values, which resolves each unit at its day.
CREATE OR REPLACE MACRO ind_fin_disbursement_rate(start_d, end_d, known_at) AS TABLE
SELECT 'fin.disbursement_rate' AS indicator_id, unit_code, business_date, sum(num) AS num, sum(den) AS den FROM (
    SELECT e.unit_code, e.business_date, e.amount_vnd AS num, 0 AS den
    FROM standing_until('funding.disbursed', end_d, known_at) e
    WHERE e.fiscal_year = year(CAST(end_d AS DATE))
    UNION ALL
    SELECT e.unit_code, e.business_date, 0, e.amount_vnd
    FROM standing('funding.allocated', known_at) e
    WHERE e.fiscal_year = year(CAST(end_d AS DATE))
)
GROUP BY ALL;
