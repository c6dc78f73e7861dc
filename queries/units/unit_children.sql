-- unit_children: the units directly below unit $3 at a date ($1, a DATE), as known at $2 (a
-- TIMESTAMPTZ, NULL: everything committed): the active units of units_at (INTERFACES.md "SQL
-- surface") whose parent is $3 there (a dissolved parent gives way to its own, so after the 2025
-- abolition the communes are the province's), with their names as of the date, sorted by code.
WITH names AS (
    SELECT code, name FROM unit_states(CAST($2 AS TIMESTAMPTZ))
    WHERE valid_from <= CAST($1 AS DATE)
    QUALIFY row_number() OVER (PARTITION BY code ORDER BY valid_from DESC) = 1
)
SELECT u.code, coalesce(n.name, ''), coalesce(u.level, ''), coalesce(u.kind, '')
FROM units_at(CAST($1 AS DATE), CAST($2 AS TIMESTAMPTZ)) u
LEFT JOIN names n USING (code)
WHERE u.parent_code = $3
ORDER BY u.code
