-- Digital infrastructure by commune at the period's end: households with smartphones and
-- broadband (each village's latest survey), villages' connectivity (latest report), free Wi-Fi.
WITH at_end AS (
    SELECT * FROM unit_scopes_at(getvariable('end_d'), getvariable('known_at'))
),
communes AS (SELECT * FROM at_end WHERE resolved = code AND level = 'commune'),
hh AS (
    SELECT * FROM effective('household_survey.recorded', getvariable('known_at')) WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY unit_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
cn AS (
    SELECT * FROM effective('connectivity.reported', getvariable('known_at')) WHERE business_date <= getvariable('end_d')
    QUALIFY row_number() OVER (PARTITION BY unit_code ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1
),
wifi AS (
    SELECT * FROM effective('wifi_hotspot.installed', getvariable('known_at')) WHERE business_date <= getvariable('end_d')
),
hh_c AS (
    SELECT s.commune_code, count(*) AS villages_surveyed, sum(households) AS households,
           sum(with_smartphone) AS with_smartphone, sum(with_fixed_broadband) AS with_fixed_broadband
    FROM hh JOIN at_end s ON s.code = hh.unit_code GROUP BY 1
),
cn_c AS (
    SELECT s.commune_code, count(*) AS villages_reporting,
           count(*) FILTER (fixed_broadband) AS villages_fixed_broadband,
           count(*) FILTER (mobile_4g) AS villages_4g, count(*) FILTER (mobile_5g) AS villages_5g
    FROM cn JOIN at_end s ON s.code = cn.unit_code GROUP BY 1
),
wifi_c AS (
    SELECT s.commune_code, count(*) FILTER (free) AS free_wifi_hotspots,
           bool_or(free AND site = 'one_stop_shop') AS free_wifi_one_stop
    FROM wifi JOIN at_end s ON s.code = wifi.unit_code GROUP BY 1
)
SELECT c.code AS commune_code, cn.name AS commune_name, c.kind, c.district_code, dn.name AS district_name,
       coalesce(h.villages_surveyed, 0) AS villages_surveyed, coalesce(h.households, 0) AS households,
       coalesce(h.with_smartphone, 0) AS with_smartphone, coalesce(h.with_fixed_broadband, 0) AS with_fixed_broadband,
       coalesce(n.villages_reporting, 0) AS villages_reporting, coalesce(n.villages_fixed_broadband, 0) AS villages_fixed_broadband,
       coalesce(n.villages_4g, 0) AS villages_4g, coalesce(n.villages_5g, 0) AS villages_5g,
       coalesce(w.free_wifi_hotspots, 0) AS free_wifi_hotspots, coalesce(w.free_wifi_one_stop, false) AS free_wifi_one_stop
FROM communes c
LEFT JOIN hh_c h ON h.commune_code = c.code
LEFT JOIN cn_c n ON n.commune_code = c.code
LEFT JOIN wifi_c w ON w.commune_code = c.code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) cn ON cn.code = c.code
LEFT JOIN unit_names(getvariable('end_d'), getvariable('known_at')) dn ON dn.code = c.district_code
ORDER BY commune_code
