-- eco.raw_area_linkage_digital: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 2, linkage models tied to raw-material areas applying digital technology).
--
-- ind_eco_raw_area_linkage_digital: one row per linkage model whose latest
-- linkage_model.registered on or before end_d has raw_material_area, at that registration's unit:
-- num 1 when the model has a linkage_model.digital_adopted on or before end_d, else 0; den 1. A
-- stock indicator's rows for indicator_values, which counts them where the unit is registered at
-- end_d.
CREATE OR REPLACE MACRO ind_eco_raw_area_linkage_digital(start_d, end_d, known_at) AS TABLE
SELECT 'eco.raw_area_linkage_digital' AS indicator_id, m.unit_code,
       CASE WHEN m.model_id IN (SELECT model_id FROM standing_until('linkage_model.digital_adopted', end_d, known_at))
            THEN 1 ELSE 0 END AS num, 1 AS den
FROM latest_until('linkage_model.registered', 'model_id', end_d, known_at) m
WHERE m.raw_material_area;
