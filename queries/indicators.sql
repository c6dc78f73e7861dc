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

-- indicator_values reads each event type once, from that type's files, with the columns it needs
-- and the period's bounds pushed into the scan, through standing() (correction chains and
-- retractions settled, from the session's event_chains) and computes the unit hierarchy once (sc). Flow indicators count per
-- unit and day before they resolve units, so the hierarchy is looked up once per unit and day
-- rather than once per event.
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
-- sc holds every code on every day a unit changed, so a fact dated b resolves through the row of
-- its code on the latest such day on or before b: epochs maps the dates facts carry to that day,
-- and flow indicators join sc on (code, day) instead of an ASOF join per indicator.
days AS MATERIALIZED (SELECT DISTINCT d FROM sc),
resolved_at AS MATERIALIZED (SELECT code, d, district_code FROM sc WHERE resolved IS NOT NULL),
scopes AS (
    SELECT 'province' AS scope_level, '38' AS scope_code
    UNION ALL SELECT 'district', code FROM districts
),

-- Digital government: dossiers, the latest event per dossier over all time. A dossier whose
-- latest event is dated in the period has all its later-ordered events on or after start_d, so
-- only those are read. Most dossiers have one event: only those that share a hash of their
-- dossier_id with another event (repeated_dossiers) are sorted to find their latest.
dossier_events AS MATERIALIZED (
    SELECT hash(e.dossier_id) AS h, e.dossier_id, e.level, e.processed_online, e.unit_code,
           e.business_date, e.recorded_at, e.event_id
    FROM standing('dossier.completed', known_at) e
    WHERE e.business_date >= start_d
),
repeated_dossiers AS (SELECT h FROM dossier_events GROUP BY h HAVING count(*) > 1),
dossiers AS (
    SELECT level, processed_online, unit_code, business_date
    FROM dossier_events ANTI JOIN repeated_dossiers r USING (h)
    UNION ALL
    SELECT level, processed_online, unit_code, business_date
    FROM (SELECT * FROM dossier_events SEMI JOIN repeated_dossiers r USING (h))
    QUALIFY row_number() OVER (PARTITION BY dossier_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
dossier_days AS (
    SELECT level, unit_code, business_date, count_if(processed_online) AS num, count(*) AS den
    FROM dossiers
    WHERE business_date <= end_d
    GROUP BY ALL
),
dossier_epochs AS (
    SELECT b.business_date, e.d
    FROM (SELECT DISTINCT business_date FROM dossier_days) b ASOF JOIN days e ON b.business_date >= e.d
),
dossier_items AS (
    SELECT 'gov.dossiers_online.' || d.level AS indicator_id, s.district_code, d.num, d.den
    FROM (SELECT d.level, d.unit_code, e.d, sum(d.num) AS num, sum(d.den) AS den
          FROM dossier_days d JOIN dossier_epochs e USING (business_date) GROUP BY ALL) d
    JOIN resolved_at s ON s.code = d.unit_code AND s.d = d.d
),

-- Criteria: the latest assessment of the unit itself (never through merges) on or before the
-- end; a unit a merge created under a new code has only its own assessments. A merge creates
-- a code anew when the code is not among the codes it merges.
born AS (
    SELECT into_code AS code, max(business_date) AS born_on
    FROM standing('admin_unit.merged', known_at) e
    WHERE e.business_date <= end_d AND NOT list_contains(e.from_codes, e.into_code)
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
    SELECT c.indicator_id, u.district_code,
           CASE WHEN a.met THEN 1 ELSE 0 END AS num, 1 AS den
    FROM criteria c
    JOIN (SELECT code, district_code, 'commune' AS unit_level FROM communes
          UNION ALL SELECT code, district_code, 'district' FROM districts) u ON u.unit_level = c.unit_level
    LEFT JOIN assessments a ON a.unit_code = u.code AND a.criteria_set = c.criteria_set AND a.indicator = c.indicator
),

-- Entities: the latest lifecycle event on or before the end decides whether the entity is
-- active; its unit is the unit_code of its latest registration on or before the end.
manager_registered AS MATERIALIZED (
    SELECT e.person_ref, e.unit_code, e.business_date, e.recorded_at, e.event_id
    FROM standing('manager.registered', known_at) e
    WHERE e.business_date <= end_d
),
managers AS (
    SELECT person_ref, event_type FROM (
        SELECT person_ref, 'manager.registered' AS event_type, business_date, recorded_at, event_id FROM manager_registered
        UNION ALL
        SELECT e.person_ref, e.event_type, e.business_date, e.recorded_at, e.event_id
        FROM standing('manager.departed', known_at) e
        WHERE e.business_date <= end_d
    )
    QUALIFY row_number() OVER (PARTITION BY person_ref ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
manager_units AS (
    SELECT person_ref, unit_code FROM manager_registered
    QUALIFY row_number() OVER (PARTITION BY person_ref ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
trained AS (
    SELECT DISTINCT e.person_ref
    FROM standing('training.completed', known_at) e
    WHERE e.topic = 'digital_transformation' AND e.completed_on <= end_d
),
manager_items AS (
    SELECT 'gov.managers_trained' AS indicator_id, s.district_code,
           CASE WHEN t.person_ref IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM managers m
    JOIN manager_units mu USING (person_ref)
    JOIN at_end s ON s.code = mu.unit_code
    LEFT JOIN trained t ON t.person_ref = m.person_ref
    WHERE m.event_type = 'manager.registered' AND s.resolved IS NOT NULL
),

coop_registered AS MATERIALIZED (
    SELECT e.coop_id, e.unit_code, e.business_date, e.recorded_at, e.event_id
    FROM standing('cooperative.registered', known_at) e
    WHERE e.business_date <= end_d
),
coops AS (
    SELECT coop_id, event_type FROM (
        SELECT coop_id, 'cooperative.registered' AS event_type, business_date, recorded_at, event_id FROM coop_registered
        UNION ALL
        SELECT e.coop_id, e.event_type, e.business_date, e.recorded_at, e.event_id
        FROM standing('cooperative.dissolved', known_at) e
        WHERE e.business_date <= end_d
    )
    QUALIFY row_number() OVER (PARTITION BY coop_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
coop_units AS (
    SELECT coop_id, unit_code FROM coop_registered
    QUALIFY row_number() OVER (PARTITION BY coop_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
digital_coops AS (
    SELECT DISTINCT e.coop_id
    FROM standing('cooperative.digital_adopted', known_at) e
    WHERE e.business_date <= end_d
),
digital_coop_communes AS (
    SELECT DISTINCT s.commune_code
    FROM coops c JOIN coop_units cu USING (coop_id)
    JOIN at_end s ON s.code = cu.unit_code
    WHERE c.event_type = 'cooperative.registered'
      AND c.coop_id IN (SELECT coop_id FROM digital_coops)
),
coop_items AS (
    SELECT 'eco.communes_coop_digital' AS indicator_id, c.district_code,
           CASE WHEN d.commune_code IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c LEFT JOIN digital_coop_communes d ON d.commune_code = c.code
),

models AS MATERIALIZED (
    SELECT e.model_id, e.unit_code, e.raw_material_area
    FROM standing('linkage_model.registered', known_at) e
    WHERE e.business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY e.model_id ORDER BY e.business_date DESC, e.recorded_at DESC, e.event_id DESC) = 1
),
digital_models AS MATERIALIZED (
    SELECT DISTINCT e.model_id
    FROM standing('linkage_model.digital_adopted', known_at) e
    WHERE e.business_date <= end_d
),
linkage_district_items AS (
    SELECT 'eco.districts_linkage_digital' AS indicator_id, d.district_code,
           CASE WHEN EXISTS (SELECT 1 FROM models m JOIN digital_models USING (model_id)
                             JOIN at_end s ON s.code = m.unit_code
                             WHERE s.district_code = d.code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),
raw_area_items AS (
    SELECT 'eco.raw_area_linkage_digital' AS indicator_id, s.district_code,
           CASE WHEN dm.model_id IS NOT NULL THEN 1 ELSE 0 END AS num, 1 AS den
    FROM models m JOIN at_end s ON s.code = m.unit_code
    LEFT JOIN digital_models dm USING (model_id)
    WHERE m.raw_material_area AND s.resolved IS NOT NULL
),

-- Digital society: a unit offers an active online service and runs an online satisfaction survey.
service_launched AS MATERIALIZED (
    SELECT e.service_id, e.unit_code, e.business_date, e.recorded_at, e.event_id
    FROM standing('online_service.launched', known_at) e
    WHERE e.business_date <= end_d
),
services AS (
    SELECT service_id, event_type FROM (
        SELECT service_id, 'online_service.launched' AS event_type, business_date, recorded_at, event_id FROM service_launched
        UNION ALL
        SELECT e.service_id, e.event_type, e.business_date, e.recorded_at, e.event_id
        FROM standing('online_service.withdrawn', known_at) e
        WHERE e.business_date <= end_d
    )
    QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
service_units AS (
    SELECT service_id, unit_code FROM service_launched
    QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
units_with_service AS (
    SELECT DISTINCT s.resolved
    FROM services sv JOIN service_units su USING (service_id) JOIN at_end s ON s.code = su.unit_code
    WHERE sv.event_type = 'online_service.launched'
),
surveys AS MATERIALIZED (
    SELECT e.survey_id, e.unit_code, e.topic, e.channel, e.opened_on, e.business_date, e.recorded_at, e.event_id
    FROM standing('survey.conducted', known_at) e
),
units_with_survey AS (
    SELECT DISTINCT s.resolved
    FROM surveys v JOIN at_end s ON s.code = v.unit_code
    WHERE v.topic = 'ntm_satisfaction' AND v.channel = 'online' AND v.opened_on <= end_d
),
service_items AS (
    SELECT 'soc.units_service_and_survey' AS indicator_id, u.district_code,
           CASE WHEN u.code IN (SELECT resolved FROM units_with_service)
                 AND u.code IN (SELECT resolved FROM units_with_survey) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM (SELECT code, district_code FROM communes UNION ALL SELECT code, district_code FROM districts) u
),

-- Pilots: a district has an approved smart model registered in it.
smart_models AS (
    SELECT e.model_id, e.unit_code
    FROM standing('smart_model.registered', known_at) e
    WHERE e.business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY e.model_id ORDER BY e.business_date DESC, e.recorded_at DESC, e.event_id DESC) = 1
),
approved_models AS (
    SELECT e.model_id
    FROM standing('smart_model.approved', known_at) e
    WHERE e.business_date <= end_d
),
approved_districts AS (
    SELECT DISTINCT s.district_code
    FROM smart_models m JOIN at_end s ON s.code = m.unit_code
    WHERE m.model_id IN (SELECT model_id FROM approved_models)
),
pilot_items AS (
    SELECT 'pil.districts_with_smart_model' AS indicator_id, d.district_code,
           CASE WHEN d.code IN (SELECT district_code FROM approved_districts) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),

-- Infrastructure: the latest report per village on or before the end.
households AS (
    SELECT e.unit_code, e.with_smartphone, e.households
    FROM standing('household_survey.recorded', known_at) e
    WHERE e.business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY e.unit_code ORDER BY e.business_date DESC, e.recorded_at DESC, e.event_id DESC) = 1
),
household_items AS (
    SELECT 'inf.households_smartphone' AS indicator_id, s.district_code,
           h.with_smartphone AS num, h.households AS den
    FROM households h JOIN at_end s ON s.code = h.unit_code
    WHERE s.resolved IS NOT NULL
),
connectivity AS (
    SELECT e.unit_code, e.fixed_broadband
    FROM standing('connectivity.reported', known_at) e
    WHERE e.business_date <= end_d
    QUALIFY row_number() OVER (PARTITION BY e.unit_code ORDER BY e.business_date DESC, e.recorded_at DESC, e.event_id DESC) = 1
),
connectivity_items AS (
    SELECT 'inf.villages_fixed_broadband' AS indicator_id, s.district_code,
           CASE WHEN c.fixed_broadband THEN 1 ELSE 0 END AS num, 1 AS den
    FROM connectivity c JOIN at_end s ON s.code = c.unit_code
    WHERE s.resolved IS NOT NULL
),
wifi_communes AS (
    SELECT DISTINCT s.commune_code
    FROM standing('wifi_hotspot.installed', known_at) w
    JOIN at_end s ON s.code = w.unit_code
    WHERE w.free AND w.site = 'one_stop_shop' AND w.business_date <= end_d
),
wifi_items AS (
    SELECT 'inf.communes_free_wifi_one_stop' AS indicator_id, c.district_code,
           CASE WHEN c.code IN (SELECT commune_code FROM wifi_communes) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c
),

-- Satisfaction: responses in the period to surveys on NTM satisfaction, scoped by the
-- response's own unit at its business date.
ntm_surveys AS (
    SELECT survey_id FROM surveys
    QUALIFY row_number() OVER (PARTITION BY survey_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
        AND topic = 'ntm_satisfaction'
),
response_days AS (
    SELECT r.unit_code, r.business_date, count_if(r.satisfaction >= 4) AS num, count(*) AS den
    FROM standing('survey.response', known_at) r
    WHERE r.business_date BETWEEN start_d AND end_d
      AND r.survey_id IN (SELECT survey_id FROM ntm_surveys)
    GROUP BY ALL
),
response_epochs AS (
    SELECT b.business_date, e.d
    FROM (SELECT DISTINCT business_date FROM response_days) b ASOF JOIN days e ON b.business_date >= e.d
),
satisfaction_items AS (
    SELECT 'soc.satisfaction_rate' AS indicator_id, s.district_code, r.num, r.den
    FROM (SELECT r.unit_code, e.d, sum(r.num) AS num, sum(r.den) AS den
          FROM response_days r JOIN response_epochs e USING (business_date) GROUP BY ALL) r
    JOIN resolved_at s ON s.code = r.unit_code AND s.d = r.d
),

-- Funding of the period's fiscal year: disbursed up to the end over all allocated.
funding_days AS (
    SELECT unit_code, business_date, sum(num) AS num, sum(den) AS den FROM (
        SELECT e.unit_code, e.business_date, e.amount_vnd AS num, 0 AS den
        FROM standing('funding.disbursed', known_at) e
        WHERE e.business_date <= end_d AND e.fiscal_year = year(CAST(end_d AS DATE))
        UNION ALL
        SELECT e.unit_code, e.business_date, 0, e.amount_vnd
        FROM standing('funding.allocated', known_at) e
        WHERE e.fiscal_year = year(CAST(end_d AS DATE))
    )
    GROUP BY ALL
),
funding_epochs AS (
    SELECT b.business_date, e.d
    FROM (SELECT DISTINCT business_date FROM funding_days) b ASOF JOIN days e ON b.business_date >= e.d
),
funding_items AS (
    SELECT 'fin.disbursement_rate' AS indicator_id, s.district_code, f.num, f.den
    FROM (SELECT f.unit_code, e.d, sum(f.num) AS num, sum(f.den) AS den
          FROM funding_days f JOIN funding_epochs e USING (business_date) GROUP BY ALL) f
    JOIN resolved_at s ON s.code = f.unit_code AND s.d = f.d
),

items AS (
    SELECT indicator_id, district_code, num, den FROM dossier_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM criteria_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM manager_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM coop_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM linkage_district_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM raw_area_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM service_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM pilot_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM household_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM connectivity_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM wifi_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM satisfaction_items
    UNION ALL SELECT indicator_id, district_code, num, den FROM funding_items
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

-- period_indicators: the same for a period given with its bounds, which indicators derives from
-- the label. The bounds are spelled into every filter of indicator_values that uses them, so
-- passing them as date literals (as queries.Indicators does) keeps the query cheap to plan.
-- ratio6: num / den rounded half-up to 6 decimals, exactly (integer arithmetic, no DOUBLE), as
-- DECIMAL(38,6); NULL when den is 0. The one formatter of an indicator's value: `ntm indicators`,
-- the API, the open data and the report all read it from here.
CREATE OR REPLACE MACRO ratio6(num, den) AS
    CASE WHEN den <> 0 THEN (
        WITH q AS (SELECT (CAST(num AS HUGEINT) * 2000000 + den) // (2 * CAST(den AS HUGEINT)) AS q)
        SELECT CAST(printf('%d.%06d', q // 1000000, q % 1000000) AS DECIMAL(38,6)) FROM q) END;

CREATE OR REPLACE MACRO period_indicators(p, start_d, end_d, known_at) AS TABLE
SELECT indicator_id, p AS period, scope_level, scope_code, numerator, denominator,
       ratio6(numerator, denominator) AS value,
       target,
       CASE WHEN target IS NOT NULL AND denominator <> 0
            THEN CAST(numerator AS HUGEINT) * 100 >= CAST(round(target * 100) AS HUGEINT) * denominator END AS met
FROM indicator_values(start_d, end_d, known_at)
ORDER BY indicator_id, CASE scope_level WHEN 'province' THEN 0 ELSE 1 END, scope_code;

CREATE OR REPLACE MACRO indicators(p, known_at) AS TABLE
SELECT * FROM period_indicators(p, period_start(p), period_end(p), known_at);
