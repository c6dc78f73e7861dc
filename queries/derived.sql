-- The derived state of a snapshot (queries/session/derived.go): what is costly to derive from the
-- event log and does not depend on a query's parameters, materialized once per committed
-- snapshot in the snapshot's derived database file, which sessions then open instead of
-- deriving it again. Each macro keeps its meaning: known_at NULL (everything the snapshot holds)
-- reads the table, any other known_at derives from the log as views.sql does, so that time
-- travel answers as before. The tables hold exactly what the macros of views.sql return for
-- known_at NULL: tests compare the two.

-- derived_unit_states: unit_states(NULL), each code's state from each change date on.
CREATE OR REPLACE TABLE derived_unit_states AS SELECT * FROM unit_states_from_log(NULL);

-- derived_unit_scopes: unit_scopes(NULL), where a fact about each code belongs at each date.
CREATE OR REPLACE TABLE derived_unit_scopes AS SELECT * FROM unit_scopes_from_log(NULL);

CREATE OR REPLACE MACRO unit_states(known_at) AS TABLE
SELECT * FROM derived_unit_states WHERE known_at IS NULL
UNION ALL
SELECT * FROM unit_states_from_log(known_at) WHERE known_at IS NOT NULL;

CREATE OR REPLACE MACRO unit_scopes(known_at) AS TABLE
SELECT * FROM derived_unit_scopes WHERE known_at IS NULL
UNION ALL
SELECT * FROM unit_scopes_from_log(known_at) WHERE known_at IS NOT NULL;

COMMENT ON TABLE derived_unit_states IS 'unit_states(NULL) of the pinned snapshot, materialized: each unit code''s state from each change date on (trạng thái đơn vị hành chính)';
COMMENT ON TABLE derived_unit_scopes IS 'unit_scopes(NULL) of the pinned snapshot, materialized: where a fact about each unit code belongs at each change date (phạm vi đơn vị hành chính)';
