-- map_raw_material_areas: the agriculture digital map (DOMAIN.md, task đ; EVENTS.md
-- raw_material_area.registered): every raw-material area registered on or before the period's
-- end ($1, a DATE) among the effective events known at $2 (NULL: all), its latest registration
-- standing, with its hectares and top_code, the unit directly below the province at the period's
-- end that the area's unit lies in (unit_scopes; NULL when that unit no longer resolves to one,
-- as for an area registered at a district once the district level was dissolved).
WITH r AS (
    SELECT * FROM effective('raw_material_area.registered', CAST($2 AS TIMESTAMPTZ))
    WHERE business_date <= CAST($1 AS DATE)
    QUALIFY row_number() OVER (PARTITION BY area_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
at_end AS (
    SELECT * FROM unit_scopes_at(CAST($1 AS DATE), CAST($2 AS TIMESTAMPTZ))
)
SELECT r.area_code AS id, r.product AS name, NULL::VARCHAR AS kind, r.latitude, r.longitude, s.top_code, r.hectares
FROM r LEFT JOIN at_end s ON s.code = r.unit_code
ORDER BY r.area_code
