-- The data-quality report of a period: what the indicators silently leave out or cannot trust.

-- quality_unknown_units: events in the period whose unit_code names no unit registered at the
-- event's business date, a dissolved unit after its end included (such facts count in no scope).
-- Changes of the hierarchy are not facts: a dissolution names the unit it ends, which is no
-- longer registered on its date.
CREATE OR REPLACE MACRO quality_unknown_units(start_d, end_d, known_at) AS TABLE
SELECT e.event_type, e.unit_code, count(*) AS events, min(e.business_date) AS first_date, max(e.business_date) AS last_date
FROM known_events(NULL, known_at) e
ASOF LEFT JOIN unit_scopes(known_at) s ON s.code = e.unit_code AND e.business_date >= s.d
WHERE e.business_date BETWEEN start_d AND end_d AND s.resolved IS NULL
  AND e.event_type NOT IN ('admin_unit.registered', 'admin_unit.merged', 'admin_unit.renamed',
                           'admin_unit.dissolved', 'admin_unit.split', 'event.retracted')
GROUP BY ALL
ORDER BY events DESC, e.event_type, e.unit_code;

-- quality_corrections: corrections whose target never arrived (orphan: counted as plain
-- events), or names an event of another type (cross_type: counted as plain events).
CREATE OR REPLACE MACRO quality_corrections(start_d, end_d, known_at) AS TABLE
SELECT CASE WHEN t.event_id IS NULL THEN 'orphan' ELSE 'cross_type' END AS problem,
       c.event_id, c.event_type, c.corrects, t.event_type AS target_type, c.unit_code, c.business_date
FROM known_events(NULL, known_at) c
LEFT JOIN known_events(NULL, known_at) t ON t.event_id = c.corrects
WHERE c.corrects IS NOT NULL AND c.business_date BETWEEN start_d AND end_d
  AND (t.event_id IS NULL OR t.event_type <> c.event_type)
ORDER BY problem, c.event_type, c.event_id;

-- quality_late: events of the period recorded more than 30 days after they occurred.
CREATE OR REPLACE MACRO quality_late(start_d, end_d, known_at) AS TABLE
SELECT event_type, count(*) AS events,
       max(date_diff('day', occurred_at, recorded_at)) AS max_days_late,
       CAST(round(avg(date_diff('day', occurred_at, recorded_at))) AS BIGINT) AS avg_days_late
FROM known_events(NULL, known_at)
WHERE business_date BETWEEN start_d AND end_d
  AND recorded_at > occurred_at + INTERVAL 30 DAY
GROUP BY ALL
ORDER BY events DESC, event_type;

-- quality_silent_units: communes and district-level units active at the period's end about
-- which no event of the period was reported (facts about their villages count for them; changes
-- of the hierarchy do not), with the unit directly below the province they lie in (top_code:
-- their district, or the commune itself once the district level was dissolved).
CREATE OR REPLACE MACRO quality_silent_units(start_d, end_d, known_at) AS TABLE
WITH active AS (SELECT * FROM units_at(end_d, known_at) WHERE level IN ('commune', 'district')),
reported AS (
    SELECT DISTINCT s.resolved, s.commune_code, s.district_code
    FROM known_events(NULL, known_at) e
    ASOF JOIN unit_scopes(known_at) s ON s.code = e.unit_code AND e.business_date >= s.d
    WHERE e.business_date BETWEEN start_d AND end_d
      AND e.event_type NOT IN ('admin_unit.registered', 'admin_unit.merged', 'admin_unit.renamed',
                               'admin_unit.dissolved', 'admin_unit.split')
)
SELECT a.code, a.level, a.kind, a.district_code, a.top_code
FROM active a
WHERE a.code NOT IN (SELECT resolved FROM reported WHERE resolved IS NOT NULL)
  AND a.code NOT IN (SELECT commune_code FROM reported WHERE commune_code IS NOT NULL)
  AND (a.level <> 'district' OR a.code NOT IN (SELECT district_code FROM reported WHERE district_code IS NOT NULL))
ORDER BY a.level DESC, a.code;

-- quality_dead_letters: all rejected input received up to known_at, by reason and origin.
-- Rejected input has no trustworthy business date, so it is not split by period.
CREATE OR REPLACE MACRO quality_dead_letters(known_at) AS TABLE
SELECT reason, coalesce(topic, source_file) AS origin, count(*) AS lines,
       min(received_at) AS first_received, max(received_at) AS last_received
FROM dead_letters
WHERE known_at IS NULL OR received_at <= known_at
GROUP BY ALL
ORDER BY lines DESC, reason, origin;
