-- inf.households_smartphone: DOMAIN.md "Indicators: the exact definitions", its row (stock, "The
-- 2025 targets" 5, infrastructure: a smartphone in every household).
--
-- ind_inf_households_smartphone: each village's latest household_survey.recorded on or before
-- end_d, at the village: num its with_smartphone, den its households. A stock indicator's rows
-- for indicator_values, which sums them where the unit is registered at end_d.
CREATE OR REPLACE MACRO ind_inf_households_smartphone(start_d, end_d, known_at) AS TABLE
SELECT 'inf.households_smartphone' AS indicator_id, h.unit_code,
       h.with_smartphone AS num, h.households AS den
FROM latest_until('household_survey.recorded', 'unit_code', end_d, known_at) h;
