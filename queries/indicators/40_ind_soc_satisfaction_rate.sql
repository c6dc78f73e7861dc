-- soc.satisfaction_rate: DOMAIN.md "Indicators: the exact definitions", its row (flow, "The 2025
-- targets" 3, citizens' satisfaction collected online).
--
-- ind_soc_satisfaction_rate: the survey.response with business date in the period to a survey
-- whose latest survey.conducted has topic ntm_satisfaction, per the response's own unit and day:
-- those with satisfaction >= 4 (num) and all (den). A flow indicator's rows for
-- indicator_values, which resolves each unit at its day.
CREATE OR REPLACE MACRO ind_soc_satisfaction_rate(start_d, end_d, known_at) AS TABLE
WITH ntm_surveys AS (
    SELECT e.survey_id FROM standing('survey.conducted', known_at) e
    QUALIFY row_number() OVER (PARTITION BY e.survey_id ORDER BY e.business_date DESC, e.recorded_at DESC, e.event_id DESC) = 1
        AND e.topic = 'ntm_satisfaction'
)
SELECT 'soc.satisfaction_rate' AS indicator_id, r.unit_code, r.business_date,
       count_if(r.satisfaction >= 4) AS num, count(*) AS den
FROM standing('survey.response', known_at) r
WHERE r.business_date BETWEEN start_d AND end_d
  AND r.survey_id IN (SELECT survey_id FROM ntm_surveys)
GROUP BY ALL;
