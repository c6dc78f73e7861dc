-- map_tourism_sites: the rural-tourism digital map (DOMAIN.md, task đ; EVENTS.md
-- tourism_site.registered): every tourism site registered on or before the period's end ($1, a
-- DATE) among the effective events known at $2 (NULL: all), its latest registration standing,
-- with top_code, the unit directly below the province at the period's end that the site's unit
-- lies in (unit_scopes; NULL when that unit no longer resolves to one).
WITH t AS (
    SELECT * FROM effective('tourism_site.registered', CAST($2 AS TIMESTAMPTZ))
    WHERE business_date <= CAST($1 AS DATE)
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(CAST($1 AS DATE), CAST($2 AS TIMESTAMPTZ))
)
SELECT t.site_id AS id, t.name, t.kind, t.latitude, t.longitude, s.top_code, NULL::DOUBLE AS hectares
FROM t LEFT JOIN at_end s ON s.code = t.unit_code
ORDER BY t.site_id
