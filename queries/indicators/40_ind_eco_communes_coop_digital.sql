-- eco.communes_coop_digital: DOMAIN.md "Indicators: the exact definitions", its row (stock, "The
-- 2025 targets" 2, cooperatives applying digital technology), with its convention "Per-entity
-- state".
--
-- ind_eco_communes_coop_digital: the unit_code (of its latest registration) of every cooperative
-- active at end_d (active_entities: registered, not dissolved) that has a
-- cooperative.digital_adopted on or before end_d. indicator_values counts the communes that one of
-- these units lies in (the commune or one of its villages, at end_d) over all communes.
CREATE OR REPLACE MACRO ind_eco_communes_coop_digital(start_d, end_d, known_at) AS TABLE
SELECT c.unit_code
FROM active_entities('cooperative.registered', 'cooperative.dissolved', 'coop_id', end_d, known_at) c
WHERE c.entity_id IN (SELECT coop_id FROM standing_until('cooperative.digital_adopted', end_d, known_at));
