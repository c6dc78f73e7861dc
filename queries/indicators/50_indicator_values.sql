-- indicator_values: every indicator of indicator_targets, scoped as DOMAIN.md "Indicators: the
-- exact definitions" and "Contract v2" say: for scope province (38) and for each unit directly
-- below the province at the period's end (its top units: the district-level units before the
-- 2025 abolition, the communes after; scope_level is the unit's level); a unit belongs to a top
-- unit's scope when it is that unit or the unit is its ancestor, parents resolved through merges,
-- splits and dissolutions too; a fact about a unit that is not registered at its resolution date
-- counts in no scope, and a fact counts for a top unit only if it lies in that unit at its
-- resolution date (a flow fact of 2025-03 under a district counts for the province in 2025, and
-- for no commune: no fact is re-assigned to a unit that did not contain it). Stock indicators are evaluated at
-- end_d (the period's last local day) and resolve units at end_d; flow indicators count events
-- whose business date lies in [start_d, end_d] and resolve their units at each event's business
-- date. One row per indicator and scope: numerator, denominator and target.
--
-- numerator and denominator are HUGEINT: a sum of amount_vnd (each at most 10^15) passes the
-- BIGINT range once some 9,224 allocations of one year fall in one scope, and HUGEINT holds the
-- sum of more such events than the province will ever record. Every reader keeps them exact:
-- queries.Int in Go, and DECIMAL(38,0) wherever they are written to Parquet, since DuckDB writes a
-- HUGEINT column there as DOUBLE.
--
-- What counts for each indicator is its ind_* macro's (one file each, taking start_d, end_d and
-- known_at like this one); this macro computes the unit hierarchy once (sc) and scopes the
-- macros' rows, which come in four kinds:
--   flow rows (indicator_id, unit_code, business_date, num, den), already summed per unit and day,
--     so the hierarchy is looked up once per unit and day rather than once per event,
--   stock rows (indicator_id, unit_code, num, den), one per fact, at the fact's unit at end_d,
--   unit codes where a qualifying fact is, for the indicators that count units (communes,
--     district-level units): the counting is written below, one CTE per indicator,
--   the criteria assessments of ind_gov_criteria, each at the assessed unit itself.
-- The ind_* macros do not scope their rows themselves: the hierarchy is the dearest part of the
-- query (unit_scopes), and DuckDB would compute it again for every macro that calls it.
-- Each macro reads each of its event types once, with the columns it needs and the period's
-- bounds pushed into the scan (standing(), from the session's event_chains, settles correction
-- chains and retractions); survey.conducted and the two linkage_model types serve two macros
-- each, and are read by both.
CREATE OR REPLACE MACRO indicator_values(start_d, end_d, known_at) AS TABLE
WITH
sc AS MATERIALIZED (SELECT * FROM unit_scopes(known_at)),
-- Every code as of the period's end: where its facts belong, and whether it is itself active.
at_end AS MATERIALIZED (
    SELECT * EXCLUDE (d) FROM sc WHERE d <= end_d
    QUALIFY row_number() OVER (PARTITION BY code ORDER BY d DESC) = 1
),
active AS MATERIALIZED (SELECT * FROM at_end WHERE resolved = code),
communes AS MATERIALIZED (SELECT code, top_code FROM active WHERE level = 'commune' AND kind = 'xã'),
districts AS MATERIALIZED (SELECT code, top_code FROM active WHERE level = 'district'),
tops AS MATERIALIZED (SELECT code, level FROM active WHERE top_code = code),
-- sc holds every code on every day a unit changed, so a fact dated b resolves through the row of
-- its code on the latest such day on or before b: flow_epochs maps the dates facts carry to that
-- day, and the flow indicators join sc on (code, day) instead of an ASOF join per fact.
days AS MATERIALIZED (SELECT DISTINCT d FROM sc),
resolved_at AS MATERIALIZED (SELECT code, d, top_code FROM sc WHERE resolved IS NOT NULL),
scopes AS (
    SELECT 'province' AS scope_level, '38' AS scope_code
    UNION ALL SELECT level, code FROM tops
),

-- Flow indicators: each unit and day resolves at the day.
flow_days AS MATERIALIZED (
    SELECT indicator_id, unit_code, business_date, num, den FROM ind_gov_dossiers_online(start_d, end_d, known_at)
    UNION ALL SELECT indicator_id, unit_code, business_date, num, den FROM ind_soc_satisfaction_rate(start_d, end_d, known_at)
    UNION ALL SELECT indicator_id, unit_code, business_date, num, den FROM ind_fin_disbursement_rate(start_d, end_d, known_at)
),
flow_epochs AS (
    SELECT b.business_date, e.d
    FROM (SELECT DISTINCT business_date FROM flow_days) b ASOF JOIN days e ON b.business_date >= e.d
),
flow_items AS (
    SELECT f.indicator_id, s.top_code, f.num, f.den
    FROM (SELECT f.indicator_id, f.unit_code, e.d, sum(f.num) AS num, sum(f.den) AS den
          FROM flow_days f JOIN flow_epochs e USING (business_date) GROUP BY ALL) f
    JOIN resolved_at s ON s.code = f.unit_code AND s.d = f.d
),

-- Stock indicators that count facts (managers, linkage models, villages): each fact at its unit
-- as of the end, where that unit is registered.
fact_items AS (
    SELECT f.indicator_id, s.top_code, f.num, f.den
    FROM (SELECT indicator_id, unit_code, num, den FROM ind_gov_managers_trained(start_d, end_d, known_at)
          UNION ALL SELECT indicator_id, unit_code, num, den FROM ind_eco_raw_area_linkage_digital(start_d, end_d, known_at)
          UNION ALL SELECT indicator_id, unit_code, num, den FROM ind_inf_households_smartphone(start_d, end_d, known_at)
          UNION ALL SELECT indicator_id, unit_code, num, den FROM ind_inf_villages_fixed_broadband(start_d, end_d, known_at)) f
    JOIN at_end s ON s.code = f.unit_code
    WHERE s.resolved IS NOT NULL
),

-- Stock indicators that count units: every active unit of the counted level scores 1 or 0.
-- Criteria: by the unit's own latest assessment (never through merges).
criteria AS MATERIALIZED (SELECT * FROM ind_gov_criteria(start_d, end_d, known_at)),
criteria_items AS (
    SELECT c.indicator_id, u.top_code,
           CASE WHEN a.met THEN 1 ELSE 0 END AS num, 1 AS den
    FROM (SELECT DISTINCT indicator_id, unit_level FROM criteria) c
    JOIN (SELECT code, top_code, 'commune' AS unit_level FROM communes
          UNION ALL SELECT code, top_code, 'district' FROM districts) u ON u.unit_level = c.unit_level
    LEFT JOIN criteria a ON a.indicator_id = c.indicator_id AND a.unit_code = u.code
),
-- The others: a unit scores when one of its indicator's units is it or lies in it as of the end
-- (for soc.units_service_and_survey: is the unit itself, after merges, for each of two parts).
coop_items AS (
    SELECT 'eco.communes_coop_digital' AS indicator_id, c.top_code,
           CASE WHEN c.code IN (SELECT s.commune_code FROM ind_eco_communes_coop_digital(start_d, end_d, known_at) f
                                JOIN at_end s ON s.code = f.unit_code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c
),
linkage_district_items AS (
    SELECT 'eco.districts_linkage_digital' AS indicator_id, d.top_code,
           CASE WHEN d.code IN (SELECT s.district_code FROM ind_eco_districts_linkage_digital(start_d, end_d, known_at) f
                                JOIN at_end s ON s.code = f.unit_code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),
service_units AS MATERIALIZED (
    SELECT DISTINCT f.part, s.resolved
    FROM ind_soc_units_service_and_survey(start_d, end_d, known_at) f JOIN at_end s ON s.code = f.unit_code
),
service_items AS (
    SELECT 'soc.units_service_and_survey' AS indicator_id, u.top_code,
           CASE WHEN u.code IN (SELECT resolved FROM service_units WHERE part = 'service')
                 AND u.code IN (SELECT resolved FROM service_units WHERE part = 'survey') THEN 1 ELSE 0 END AS num, 1 AS den
    FROM (SELECT code, top_code FROM communes UNION ALL SELECT code, top_code FROM districts) u
),
pilot_items AS (
    SELECT 'pil.districts_with_smart_model' AS indicator_id, d.top_code,
           CASE WHEN d.code IN (SELECT s.district_code FROM ind_pil_districts_with_smart_model(start_d, end_d, known_at) f
                                JOIN at_end s ON s.code = f.unit_code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM districts d
),
wifi_items AS (
    SELECT 'inf.communes_free_wifi_one_stop' AS indicator_id, c.top_code,
           CASE WHEN c.code IN (SELECT s.commune_code FROM ind_inf_communes_free_wifi_one_stop(start_d, end_d, known_at) f
                                JOIN at_end s ON s.code = f.unit_code) THEN 1 ELSE 0 END AS num, 1 AS den
    FROM communes c
),

items AS (
    SELECT indicator_id, top_code, num, den FROM flow_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM fact_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM criteria_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM coop_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM linkage_district_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM service_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM pilot_items
    UNION ALL SELECT indicator_id, top_code, num, den FROM wifi_items
),
scoped AS (
    SELECT indicator_id, 'province' AS scope_level, '38' AS scope_code, num, den FROM items
    UNION ALL
    SELECT i.indicator_id, t.level, i.top_code, num, den FROM items i JOIN tops t ON t.code = i.top_code
),
totals AS (
    SELECT indicator_id, scope_level, scope_code, sum(num) AS numerator, sum(den) AS denominator
    FROM scoped GROUP BY ALL
)
SELECT t.indicator_id, s.scope_level, s.scope_code,
       CAST(coalesce(x.numerator, 0) AS HUGEINT) AS numerator,
       CAST(coalesce(x.denominator, 0) AS HUGEINT) AS denominator,
       t.target
FROM indicator_targets t CROSS JOIN scopes s
LEFT JOIN totals x ON x.indicator_id = t.indicator_id AND x.scope_level = s.scope_level AND x.scope_code = s.scope_code;
