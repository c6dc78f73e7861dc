-- unit: one administrative unit as of a date ($1, a DATE) and as known at $2 (a TIMESTAMPTZ, NULL:
-- everything committed), for the dashboard's page of a unit: its name, level and kind from its
-- state on its last change on or before the date (its first state when it was registered after
-- the date), whether it is active at the date, and then, from units_at (INTERFACES.md "SQL
-- surface"), its parent and its top unit (the unit directly below the province it lies in: the
-- district before the 2025 abolition, the commune after). No row: the code was never registered.
SELECT s.code, coalesce(s.name, ''), coalesce(s.level, ''), coalesce(s.kind, ''), coalesce(s.status, ''),
       coalesce(a.parent_code, s.parent_code, ''), a.code IS NOT NULL AS active, coalesce(a.top_code, '')
FROM unit_states(CAST($2 AS TIMESTAMPTZ)) s
LEFT JOIN units_at(CAST($1 AS DATE), CAST($2 AS TIMESTAMPTZ)) a ON a.code = s.code
WHERE s.code = $3
ORDER BY s.valid_from <= CAST($1 AS DATE) DESC,
         CASE WHEN s.valid_from <= CAST($1 AS DATE) THEN s.valid_from END DESC,
         s.valid_from
LIMIT 1
