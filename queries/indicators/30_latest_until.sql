-- latest_until: a helper of the indicators, not an indicator. DOMAIN.md "Indicators: the exact
-- definitions", convention "Latest": of the standing events of one type dated on or before end_d
-- (standing_until), the latest for each value of the column named key (a payload id such as
-- 'model_id', or 'unit_code'): the greatest business_date, then the greatest recorded_at
-- (instants), then the greatest event_id (byte order). Every column of the event, as in standing().
CREATE OR REPLACE MACRO latest_until(typ, key, end_d, known_at) AS TABLE
SELECT * EXCLUDE (latest_key) FROM (
    SELECT COLUMNS(lambda c: c = key) AS latest_key, * FROM standing_until(typ, end_d, known_at))
QUALIFY row_number() OVER (PARTITION BY latest_key ORDER BY business_date DESC, recorded_at DESC, event_id DESC) = 1;
