-- gov.commune_ntm_8_4, gov.commune_adv_8_4, gov.commune_adv_15_2, gov.district_ntm_9_5,
-- gov.district_adv_6_5, gov.district_adv_9_2: DOMAIN.md "Indicators: the exact definitions",
-- their rows (stock, "The 2025 targets" 1, the NTM criteria), with its convention "Merged units"
-- (the criterion.assessed exception).
--
-- ind_gov_criteria: for each of the six indicators, the level of the units it counts (unit_level:
-- communes, or district-level units) and, for each unit with one, the unit's latest
-- criterion.assessed of the indicator's criteria set and indicator with assessed_on on or before
-- end_d (unit_code, met); one row with unit_code NULL when no unit has one. indicator_values
-- scores every active unit of the level by its own row: met / all.
--
-- The latest assessment of the unit itself (never through merges) on or before the end; a unit
-- a merge created under a new code has only its own assessments. A merge creates a code anew
-- when the code is not among the codes it merges.
CREATE OR REPLACE MACRO ind_gov_criteria(start_d, end_d, known_at) AS TABLE
WITH
criteria(indicator_id, criteria_set, indicator, unit_level) AS (VALUES
    ('gov.commune_ntm_8_4',   'commune_ntm',           '8.4',  'commune'),
    ('gov.commune_adv_8_4',   'commune_ntm_advanced',  '8.4',  'commune'),
    ('gov.commune_adv_15_2',  'commune_ntm_advanced',  '15.2', 'commune'),
    ('gov.district_ntm_9_5',  'district_ntm',          '9.5',  'district'),
    ('gov.district_adv_6_5',  'district_ntm_advanced', '6.5',  'district'),
    ('gov.district_adv_9_2',  'district_ntm_advanced', '9.2',  'district')
),
born AS (
    SELECT into_code AS code, max(business_date) AS born_on
    FROM standing_until('admin_unit.merged', end_d, known_at) e
    WHERE NOT list_contains(e.from_codes, e.into_code)
    GROUP BY into_code
),
assessments AS (
    SELECT a.unit_code, a.criteria_set, a.indicator, a.met
    FROM (SELECT e.unit_code, e.criteria_set, e.indicator, e.met, e.assessed_on, e.business_date, e.recorded_at, e.event_id
          FROM standing('criterion.assessed', known_at) e
          WHERE e.assessed_on <= end_d) a
    LEFT JOIN born b ON b.code = a.unit_code
    WHERE b.born_on IS NULL OR a.assessed_on >= b.born_on
    QUALIFY row_number() OVER (PARTITION BY a.unit_code, a.criteria_set, a.indicator
                               ORDER BY a.business_date DESC, a.recorded_at DESC, a.event_id DESC) = 1
)
SELECT c.indicator_id, c.unit_level, a.unit_code, a.met
FROM criteria c
LEFT JOIN assessments a ON a.criteria_set = c.criteria_set AND a.indicator = c.indicator;
