-- pil.districts_with_smart_model: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 4, a pilot smart NTM model in every district-level unit).
--
-- ind_pil_districts_with_smart_model: the unit_code of the latest smart_model.registered on or
-- before end_d of every smart model that has a smart_model.approved on or before end_d.
-- indicator_values counts the district-level units that one of these units is or lies in (at
-- end_d) over all district-level units.
CREATE OR REPLACE MACRO ind_pil_districts_with_smart_model(start_d, end_d, known_at) AS TABLE
SELECT m.unit_code
FROM latest_until('smart_model.registered', 'model_id', end_d, known_at) m
WHERE m.model_id IN (SELECT model_id FROM standing_until('smart_model.approved', end_d, known_at));
