-- soc.units_service_and_survey: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 3, digital society), with its convention "Per-entity state".
--
-- ind_soc_units_service_and_survey: the units of the facts of the indicator's two conditions.
-- part 'service': the unit_code (of its latest registration) of every online service active at
-- end_d (active_entities: launched, not withdrawn). part 'survey': the unit_code of every
-- survey.conducted with topic ntm_satisfaction, channel online and opened_on on or before end_d.
-- indicator_values counts the communes and district-level units that are, at end_d after merges,
-- the unit itself of a row of each part, over all communes and district-level units.
CREATE OR REPLACE MACRO ind_soc_units_service_and_survey(start_d, end_d, known_at) AS TABLE
SELECT 'service' AS part, s.unit_code
FROM active_entities('online_service.launched', 'online_service.withdrawn', 'service_id', end_d, known_at) s
UNION ALL
SELECT 'survey', v.unit_code
FROM standing('survey.conducted', known_at) v
WHERE v.topic = 'ntm_satisfaction' AND v.channel = 'online' AND v.opened_on <= end_d;
