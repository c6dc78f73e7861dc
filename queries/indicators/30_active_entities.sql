-- active_entities: a helper of the indicators, not an indicator. DOMAIN.md "Indicators: the exact
-- definitions", convention "Per-entity state" (a manager, a cooperative, a service): the
-- entities whose latest lifecycle event on or before end_d is a registration (an event of
-- registered_type) rather than an end (ended_type: departed, dissolved, withdrawn), each with the
-- unit_code of its latest registration on or before end_d. key names the column of the entity's
-- id ('person_ref', 'coop_id', 'service_id'); it comes out as entity_id. "Latest" as in
-- latest_until; the registrations are read once, for both uses.
CREATE OR REPLACE MACRO active_entities(registered_type, ended_type, key, end_d, known_at) AS TABLE
WITH
registered AS MATERIALIZED (
    SELECT COLUMNS(lambda c: c = key) AS entity_id, unit_code, business_date, recorded_at, event_id
    FROM standing_until(registered_type, end_d, known_at)
),
lifecycle AS (
    SELECT entity_id, event_type FROM (
        SELECT entity_id, 'registered' AS event_type, business_date, recorded_at, event_id FROM registered
        UNION ALL
        SELECT COLUMNS(lambda c: c = key), 'ended', business_date, recorded_at, event_id
        FROM standing_until(ended_type, end_d, known_at)
    )
    QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
units AS (
    SELECT entity_id, unit_code FROM registered
    QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
)
SELECT l.entity_id, u.unit_code
FROM lifecycle l JOIN units u USING (entity_id)
WHERE l.event_type = 'registered';
