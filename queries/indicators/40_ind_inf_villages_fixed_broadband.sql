-- inf.villages_fixed_broadband: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 5, infrastructure: broadband).
--
-- ind_inf_villages_fixed_broadband: one row per village with a connectivity.reported on or before
-- end_d, at the village: num 1 when its latest report has fixed_broadband, else 0; den 1. A stock
-- indicator's rows for indicator_values, which counts them where the unit is registered at end_d.
CREATE OR REPLACE MACRO ind_inf_villages_fixed_broadband(start_d, end_d, known_at) AS TABLE
SELECT 'inf.villages_fixed_broadband' AS indicator_id, c.unit_code,
       CASE WHEN c.fixed_broadband THEN 1 ELSE 0 END AS num, 1 AS den
FROM latest_until('connectivity.reported', 'unit_code', end_d, known_at) c;
