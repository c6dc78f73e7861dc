-- eco.districts_linkage_digital: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 2, production-linkage models applying digital technology).
--
-- ind_eco_districts_linkage_digital: the unit_code of the latest linkage_model.registered on or
-- before end_d of every linkage model that has a linkage_model.digital_adopted on or before
-- end_d. indicator_values counts the district-level units that one of these units lies in (at
-- end_d) over all district-level units.
CREATE OR REPLACE MACRO ind_eco_districts_linkage_digital(start_d, end_d, known_at) AS TABLE
SELECT m.unit_code
FROM latest_until('linkage_model.registered', 'model_id', end_d, known_at) m
WHERE m.model_id IN (SELECT model_id FROM standing_until('linkage_model.digital_adopted', end_d, known_at));
