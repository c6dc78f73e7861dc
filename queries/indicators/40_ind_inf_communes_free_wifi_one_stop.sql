-- inf.communes_free_wifi_one_stop: DOMAIN.md "Indicators: the exact definitions", its row (stock,
-- "The 2025 targets" 5, infrastructure: free Wi-Fi at the commune one-stop shop).
--
-- ind_inf_communes_free_wifi_one_stop: the unit_code of every free wifi_hotspot.installed at site
-- one_stop_shop on or before end_d. indicator_values counts the communes that one of these units
-- lies in (the commune or one of its villages, at end_d) over all communes.
CREATE OR REPLACE MACRO ind_inf_communes_free_wifi_one_stop(start_d, end_d, known_at) AS TABLE
SELECT w.unit_code
FROM standing_until('wifi_hotspot.installed', end_d, known_at) w
WHERE w.free AND w.site = 'one_stop_shop';
