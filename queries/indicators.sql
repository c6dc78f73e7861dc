-- The plan's indicators, exactly as DOMAIN.md defines them, for the province (38) and every
-- district-level unit active at the period's end. Stock indicators are evaluated at end_d (the
-- period's last local day); flow indicators count events whose business date lies in
-- [start_d, end_d] and resolve their units at each event's business date.
--
-- "Latest" orders by business_date, then recorded_at (instants), then event_id (byte order).

CREATE OR REPLACE TABLE indicator_targets AS
SELECT * FROM (VALUES
    ('gov.dossiers_online.province',     1.00::DECIMAL(4,2)),
    ('gov.dossiers_online.district',     0.90),
    ('gov.dossiers_online.commune',      0.70),
    ('gov.commune_ntm_8_4',              0.98),
    ('gov.commune_adv_8_4',              0.75),
    ('gov.commune_adv_15_2',             0.75),
    ('gov.district_ntm_9_5',             0.60),
    ('gov.district_adv_6_5',             0.40),
    ('gov.district_adv_9_2',             0.30),
    ('gov.managers_trained',             1.00),
    ('eco.communes_coop_digital',        0.70),
    ('eco.districts_linkage_digital',    0.70),
    ('eco.raw_area_linkage_digital',     0.50),
    ('soc.units_service_and_survey',     0.40),
    ('pil.districts_with_smart_model',   1.00),
    ('inf.households_smartphone',        1.00),
    ('inf.villages_fixed_broadband',     NULL),
    ('inf.communes_free_wifi_one_stop',  NULL),
    ('soc.satisfaction_rate',            NULL),
    ('fin.disbursement_rate',            NULL)
) t(indicator_id, target);

COMMENT ON TABLE indicator_targets IS 'The plan''s 2025 target of each indicator (chỉ tiêu đến năm 2025)';

CREATE OR REPLACE MACRO indicator_values(start_d, end_d, known_at) AS TABLE
WITH
sc AS MATERIALIZED (SELECT * FROM unit_scopes(known_at)),
-- Every code as of the period's end: where its facts belong, and whether it is itself active.
at_end AS MATERIALIZED (
    SELECT * EXCLUDE (d) FROM sc WHERE d <= end_d
    QUALIFY row_number() OVER (PARTITION BY code ORDER BY d DESC) = 1
),
active AS MATERIALIZED (SELECT * FROM at_end WHERE resolved = code),
communes AS MATERIALIZED (SELECT code, district_code FROM active WHERE level = 'commune' AND kind = 'xã'),
districts AS MATERIALIZED (SELECT code, code AS district_code FROM active WHERE level = 'district'),
scopes AS (
    SELECT 'province' AS scope_level, '38' AS scope_code
    UNION ALL SELECT 'district', code FROM districts
),

-- Digital government: dossiers, the latest event per dossier over all time.
dossiers AS (
    SELECT * FROM effective('dossier.completed', known_at)
    QUALIFY row_number() OVER (PARTITION BY dossier_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
dossier_items AS (
    SELECT 'gov.dossiers_online.' || d.level AS indicator_id, s.district_code, s.resolved,
           CASE WHEN d.processed_online THEN 1 ELSE 0 END AS num, 1 AS den
    FROM dossiers d
    ASOF JOIN sc s ON s.code = d.unit_code AND d.business_date >= s.d
    WHERE d.business_date BETWEEN start_d AND end_d AND s.resolved IS NOT NULL
),

-- Criteria: the latest assessment of the unit itself (never through merges) on or before the
-- end; a unit a merge created under a new code has only its own assessments.
born AS (
    SELECT code, max(valid_from) AS born_on
    FROM unit_changes(known_at) c
    WHERE c.status = 'active' AND c.valid_from <= end_d
      AND c.event_id IN (SELECT event_id FROM effective('admin_unit.merged', known_at) m
                         WHERE NOT list_contains(m.from_codes, m.into_code))
    GROUP BY code
),
assessments AS (
    SELECT a.* FROM effective('criterion.assessed', known_at) a
    LEFT JOIN born b ON b.code = a.unit_code
    WHERE a.assessed_on <= end_d AND (b.born_on IS NULL OR a.assessed_on >= b.born_on)
    QUALIFY row_number() OVER (PARTITION BY a.unit_code, a.criteria_set, a.indicator
                               ORDER BY a.business_date DESC, a.recorded_at DESC, a.event_id DESC) = 1
),
criteria(indicator_id, criteria_set, indicator, unit_level) AS (VALUES
    ('gov.commune_ntm_8_4',   'commune_ntm',           '8.4',  'commune'),
    ('gov.commune_adv_8_4',   'commune_ntm_advanced',  '8.4',  'commune'),
    ('gov.commune_adv_15_2',  'commune_ntm_advanced',  '15.2', 'commune'),
    ('gov.district_ntm_9_5',  'district_ntm',          '9.5',  'district'),
    ('gov.district_adv_6_5',  'district_ntm_advanced', '6.5',  'district'),
    ('gov.district_adv_9_2',  'district_ntm_advanced', '9.2',  'district')
),
criteria_items AS (
    SELECT c.indicator_id, u.district_code, u.code AS resolved,
           CASE WHEN a.met THEN 1 ELSE 0 END AS num, 1 AS den
    FROM criteria c
    JOIN (SELECT code, district_code, 'commune' AS unit_level FROM communes
          UNION ALL SELECT code, district_code, 'district' FROM districts) u ON u.unit_level = c.unit_level
    LEFT JOIN assessments a ON a.unit_code = u.code AND a.criteria_set = c.criteria_set AND a.indicator = c.indicator
),

-- Entities: the latest lifecycle event on or before the end decides whether the entity is
-- active; its unit is the unit_code of its latest registration on or before the end.
managers AS (
    SELECT person_ref, event_type, unit_code FROM (
        SELECT person_ref, event_type, unit_code, business_date, recorded_at, event_id FROM effective('manager.registered', known_at)
        UNION ALL
        SELECT person_ref, event_type, unit_code, business_date, recorded_at, event_id FROM effective('manager.departed', known_at)
    ) WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY person_ref ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
manager_units AS (
    SELECT person_ref, unit_code FROM effective('manager.registered', known_at)
    WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY person_ref ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
trained AS (
    SELECT DISTINCT person_ref FROM effective('training.completed', known_at)
    WHERE topic = 'digital_transformation' AND completed_on <= end_d
),
manager_items AS (
    SELECT 'gov.managers_trained' AS indicator_id, s.district_code, s.resolved,
           CASE WHEN t.person_ref IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM managers m
    JOIN manager_units mu USING (person_ref)
    JOIN at_end s ON s.code = mu.unit_code
    LEFT JOIN trained t ON t.person_ref = m.person_ref
    WHERE m.event_type = 'manager.registered' AND s.resolved IS NOT NULL
),

coops AS (
    SELECT coop_id, event_type FROM (
        SELECT coop_id, event_type, business_date, recorded_at, event_id FROM effective('cooperative.registered', known_at)
        UNION ALL
        SELECT coop_id, event_type, business_date, recorded_at, event_id FROM effective('cooperative.dissolved', known_at)
    ) WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY coop_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
coop_units AS (
    SELECT coop_id, unit_code FROM effective('cooperative.registered', known_at)
    WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY coop_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
digital_coop_communes AS (
    SELECT DISTINCT s.commune_code
    FROM coops c JOIN coop_units cu USING (coop_id)
    JOIN at_end s ON s.code = cu.unit_code
    WHERE c.event_type = 'cooperative.registered'
      AND c.coop_id IN (SELECT coop_id FROM effective('cooperative.digital_adopted', known_at) WHERE business_date <= end_d)
),
coop_items AS (
    SELECT 'eco.communes_coop_digital' AS indicator_id, c.district_code, c.code AS resolved,
           CASE WHEN d.commune_code IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c LEFT JOIN digital_coop_communes d ON d.commune_code = c.code
),

models AS (
    SELECT model_id, unit_code, raw_material_area FROM effective('linkage_model.registered', known_at)
    WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
digital_models AS MATERIALIZED (
    SELECT DISTINCT model_id FROM effective('linkage_model.digital_adopted', known_at) WHERE business_date <= end_d
),
linkage_district_items AS (
    SELECT 'eco.districts_linkage_digital' AS indicator_id, d.district_code, d.code AS resolved,
           CASE WHEN EXISTS (SELECT 1 FROM models m JOIN digital_models USING (model_id)
                             JOIN at_end s ON s.code = m.unit_code
                             WHERE s.district_code = d.code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),
raw_area_items AS (
    SELECT 'eco.raw_area_linkage_digital' AS indicator_id, s.district_code, s.resolved,
           CASE WHEN dm.model_id IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM models m JOIN at_end s ON s.code = m.unit_code
    LEFT JOIN digital_models dm USING (model_id)
    WHERE m.raw_material_area AND s.resolved IS NOT NULL
),

-- Digital society: a unit offers an active online service and runs an online satisfaction survey.
services AS (
    SELECT service_id, event_type FROM (
        SELECT service_id, event_type, business_date, recorded_at, event_id FROM effective('online_service.launched', known_at)
        UNION ALL
        SELECT service_id, event_type, business_date, recorded_at, event_id FROM effective('online_service.withdrawn', known_at)
    ) WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
service_units AS (
    SELECT service_id, unit_code FROM effective('online_service.launched', known_at)
    WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
units_with_service AS (
    SELECT DISTINCT s.resolved
    FROM services sv JOIN service_units su USING (service_id) JOIN at_end s ON s.code = su.unit_code
    WHERE sv.event_type = 'online_service.launched'
),
units_with_survey AS (
    SELECT DISTINCT s.resolved
    FROM effective('survey.conducted', known_at) v JOIN at_end s ON s.code = v.unit_code
    WHERE v.topic = 'ntm_satisfaction' AND v.channel = 'online' AND v.opened_on <= end_d
),
service_items AS (
    SELECT 'soc.units_service_and_survey' AS indicator_id, u.district_code, u.code AS resolved,
           CASE WHEN u.code IN (SELECT resolved FROM units_with_service)
                 AND u.code IN (SELECT resolved FROM units_with_survey) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM (SELECT code, district_code FROM communes UNION ALL SELECT code, district_code FROM districts) u
),

-- Pilots: a district has an approved smart model registered in it.
smart_models AS (
    SELECT model_id, unit_code FROM effective('smart_model.registered', known_at)
    WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
approved_districts AS (
    SELECT DISTINCT s.district_code
    FROM smart_models m JOIN at_end s ON s.code = m.unit_code
    WHERE m.model_id IN (SELECT model_id FROM effective('smart_model.approved', known_at) WHERE business_date <= end_d)
),
pilot_items AS (
    SELECT 'pil.districts_with_smart_model' AS indicator_id, d.district_code, d.code AS resolved,
           CASE WHEN d.code IN (SELECT district_code FROM approved_districts) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),

-- Infrastructure: the latest report per village on or before the end.
households AS (
    SELECT * FROM effective('household_survey.recorded', known_at) WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY unit_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
household_items AS (
    SELECT 'inf.households_smartphone' AS indicator_id, s.district_code, s.resolved,
           h.with_smartphone AS num, h.households AS den
    FROM households h JOIN at_end s ON s.code = h.unit_code
    WHERE s.resolved IS NOT NULL
),
connectivity AS (
    SELECT * FROM effective('connectivity.reported', known_at) WHERE business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY unit_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
connectivity_items AS (
    SELECT 'inf.villages_fixed_broadband' AS indicator_id, s.district_code, s.resolved,
           CASE WHEN c.fixed_broadband THEN 1 ELSE 0 END AS num, 1 AS den
    FROM connectivity c JOIN at_end s ON s.code = c.unit_code
    WHERE s.resolved IS NOT NULL
),
wifi_communes AS (
    SELECT DISTINCT s.commune_code
    FROM effective('wifi_hotspot.installed', known_at) w JOIN at_end s ON s.code = w.unit_code
    WHERE w.free AND w.site = 'one_stop_shop' AND w.business_date <= end_d
),
wifi_items AS (
    SELECT 'inf.communes_free_wifi_one_stop' AS indicator_id, c.district_code, c.code AS resolved,
           CASE WHEN c.code IN (SELECT commune_code FROM wifi_communes) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c
),

-- Satisfaction: responses in the period to surveys on NTM satisfaction, scoped by the
-- response's own unit at its business date.
ntm_surveys AS (
    SELECT survey_id FROM effective('survey.conducted', known_at)
    QUALIFY row_number() OVER (PARTITION BY survey_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
        AND topic = 'ntm_satisfaction'
),
satisfaction_items AS (
    SELECT 'soc.satisfaction_rate' AS indicator_id, s.district_code, s.resolved,
           CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END AS num, 1 AS den
    FROM effective('survey.response', known_at) r
    ASOF JOIN sc s ON s.code = r.unit_code AND r.business_date >= s.d
    WHERE r.business_date BETWEEN start_d AND end_d
      AND r.survey_id IN (SELECT survey_id FROM ntm_surveys)
      AND s.resolved IS NOT NULL
),

-- Funding of the period's fiscal year: disbursed up to the end over all allocated.
funding_items AS (
    SELECT 'fin.disbursement_rate' AS indicator_id, s.district_code, s.resolved,
           CASE WHEN f.event_type = 'funding.disbursed' THEN f.amount_vnd ELSE 0 END AS num,
           CASE WHEN f.event_type = 'funding.allocated' THEN f.amount_vnd ELSE 0 END AS den
    FROM (SELECT * FROM effective('funding.disbursed', known_at) WHERE business_date <= end_d
          UNION ALL BY NAME
          SELECT * FROM effective('funding.allocated', known_at)) f
    ASOF JOIN sc s ON s.code = f.unit_code AND f.business_date >= s.d
    WHERE f.fiscal_year = year(CAST(end_d AS DATE)) AND s.resolved IS NOT NULL
),

items AS (
    SELECT indicator_id, district_code, resolved, num, den FROM dossier_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM criteria_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM manager_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM coop_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM linkage_district_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM raw_area_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM service_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM pilot_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM household_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM connectivity_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM wifi_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM satisfaction_items
    UNION ALL SELECT indicator_id, district_code, resolved, num, den FROM funding_items
),
scoped AS (
    SELECT indicator_id, 'province' AS scope_level, '38' AS scope_code, num, den FROM items
    UNION ALL
    SELECT indicator_id, 'district', district_code, num, den FROM items
    WHERE district_code IN (SELECT code FROM districts)
),
totals AS (
    SELECT indicator_id, scope_level, scope_code, sum(num) AS numerator, sum(den) AS denominator
    FROM scoped GROUP BY ALL
)
SELECT t.indicator_id, s.scope_level, s.scope_code,
       CAST(coalesce(x.numerator, 0) AS BIGINT) AS numerator,
       CAST(coalesce(x.denominator, 0) AS BIGINT) AS denominator,
       t.target
FROM indicator_targets t CROSS JOIN scopes s
LEFT JOIN totals x ON x.indicator_id = t.indicator_id AND x.scope_level = s.scope_level AND x.scope_code = s.scope_code;

-- indicators: every indicator for a period ('2025', '2025-Q3', '2025-07') as known at known_at
-- (NULL: everything committed), in the columns of `ntm indicators --format csv`. value is the
-- ratio as a DOUBLE; met compares the exact ratio with the target in integers.
CREATE OR REPLACE MACRO period_start(p) AS
    CASE WHEN length(p) = 4 THEN make_date(CAST(p AS INTEGER), 1, 1)
         WHEN p[6] = 'Q' THEN make_date(CAST(p[1:4] AS INTEGER), (CAST(p[7] AS INTEGER) - 1) * 3 + 1, 1)
         ELSE make_date(CAST(p[1:4] AS INTEGER), CAST(p[6:7] AS INTEGER), 1) END;

CREATE OR REPLACE MACRO period_end(p) AS
    CAST(CASE WHEN length(p) = 4 THEN period_start(p) + INTERVAL 1 YEAR
              WHEN p[6] = 'Q' THEN period_start(p) + INTERVAL 3 MONTH
              ELSE period_start(p) + INTERVAL 1 MONTH END - INTERVAL 1 DAY AS DATE);

CREATE OR REPLACE MACRO indicators(p, known_at) AS TABLE
SELECT indicator_id, p AS period, scope_level, scope_code, numerator, denominator,
       CASE WHEN denominator <> 0 THEN numerator / denominator END AS value,
       target,
       CASE WHEN target IS NOT NULL AND denominator <> 0
            THEN CAST(numerator AS HUGEINT) * 100 >= CAST(round(target * 100) AS HUGEINT) * denominator END AS met
FROM indicator_values(period_start(p), period_end(p), known_at)
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code;
