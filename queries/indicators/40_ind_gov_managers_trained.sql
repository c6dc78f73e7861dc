-- gov.managers_trained: DOMAIN.md "Indicators: the exact definitions", its row (stock, "The 2025
-- targets" 1, managers trained in digital transformation), with its convention "Per-entity state".
--
-- ind_gov_managers_trained: one row per manager active at end_d (active_entities: registered on
-- or before it and not departed by then), at the unit of the manager's latest registration: num 1
-- when the manager has a training.completed of topic digital_transformation completed on or
-- before end_d, else 0; den 1. A stock indicator's rows for indicator_values, which counts them
-- where the unit is registered at end_d.
CREATE OR REPLACE MACRO ind_gov_managers_trained(start_d, end_d, known_at) AS TABLE
WITH trained AS (
    SELECT DISTINCT e.person_ref
    FROM standing('training.completed', known_at) e
    WHERE e.topic = 'digital_transformation' AND e.completed_on <= end_d
)
SELECT 'gov.managers_trained' AS indicator_id, m.unit_code,
       CASE WHEN t.person_ref IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
FROM active_entities('manager.registered', 'manager.departed', 'person_ref', end_d, known_at) m
LEFT JOIN trained t ON t.person_ref = m.entity_id;
