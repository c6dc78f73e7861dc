-- gov.dossiers_online.province, gov.dossiers_online.district, gov.dossiers_online.commune:
-- DOMAIN.md "Indicators: the exact definitions", their rows (flow, "The 2025 targets" 1, work
-- dossiers processed online).
--
-- ind_gov_dossiers_online: first keep, over all time, the latest dossier.completed per
-- dossier_id; then, of those with business date (completed_at) in the period, per level (the
-- indicator), unit and day: those processed_online (num) and all (den). A flow indicator's rows
-- for indicator_values, which resolves each unit at its day.
--
-- A dossier whose latest event is dated in the period has all its later-ordered events on or
-- after start_d, so only those are read. Most dossiers have one event: only those that share a
-- hash of their dossier_id with another event (repeated_dossiers) are sorted to find their latest.
CREATE OR REPLACE MACRO ind_gov_dossiers_online(start_d, end_d, known_at) AS TABLE
WITH
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
)
SELECT 'gov.dossiers_online.' || level AS indicator_id, unit_code, business_date,
       count_if(processed_online) AS num, count(*) AS den
FROM dossiers
WHERE business_date <= end_d
GROUP BY ALL;
