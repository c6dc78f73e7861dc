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

-- The macros below read the derived tables for known_at NULL and derive from the log for any
-- other known_at. They choose with query(), whose text is a constant once known_at is bound, so
-- that DuckDB binds only the chosen branch: binding the derivation opens the event files of its
-- types, which costs about as much as reading the table. known_at is written into the text as
-- its microseconds since the epoch (make_timestamptz), the same instant whatever the client's
-- time zone; a type is quoted as a string.
CREATE OR REPLACE MACRO sql_string(s) AS
CASE WHEN s IS NULL THEN 'NULL' ELSE '''' || replace(s, '''', '''''') || '''' END;

CREATE OR REPLACE MACRO sql_instant(t) AS
coalesce('make_timestamptz(' || CAST(epoch_us(CAST(t AS TIMESTAMPTZ)) AS VARCHAR) || ')', 'NULL');

CREATE OR REPLACE MACRO unit_states(known_at) AS TABLE
SELECT * FROM query(CASE WHEN known_at IS NULL THEN 'FROM derived_unit_states'
                         ELSE 'FROM unit_states_from_log(' || sql_instant(known_at) || ')' END);

CREATE OR REPLACE MACRO unit_scopes(known_at) AS TABLE
SELECT * FROM query(CASE WHEN known_at IS NULL THEN 'FROM derived_unit_scopes'
                         ELSE 'FROM unit_scopes_from_log(' || sql_instant(known_at) || ')' END);

-- effective and standing of one type read the type's table in the schema derived (written by
-- queries/session/derived.go, one per type, effective_<the type's view>): effective(typ, NULL).
-- standing is effective without fact_id. effective of all types (typ NULL) derives.
CREATE OR REPLACE MACRO effective(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN known_at IS NULL AND typ IS NOT NULL THEN 'FROM derived."effective_' || replace(typ, '.', '_') || '"'
                         ELSE 'FROM effective_from_log(' || sql_string(typ) || ', ' || sql_instant(known_at) || ')' END);

CREATE OR REPLACE MACRO standing(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN known_at IS NULL AND typ IS NOT NULL THEN 'SELECT * EXCLUDE (fact_id) FROM derived."effective_' || replace(typ, '.', '_') || '"'
                         ELSE 'FROM standing_from_log(' || sql_string(typ) || ', ' || sql_instant(known_at) || ')' END);

-- derived_admin_units: the view admin_units, which takes no parameter, as a table; admin_units
-- then reads it (its comments are those of views.sql, set again after this file).
CREATE OR REPLACE TABLE derived_admin_units AS SELECT * FROM admin_units;

CREATE OR REPLACE VIEW admin_units AS SELECT * FROM derived_admin_units ORDER BY code, valid_from;

COMMENT ON TABLE derived_admin_units IS 'admin_units of the pinned snapshot, materialized (đơn vị hành chính theo thời gian hiệu lực)';
COMMENT ON TABLE derived_unit_states IS 'unit_states(NULL) of the pinned snapshot, materialized: each unit code''s state from each change date on (trạng thái đơn vị hành chính)';
COMMENT ON TABLE derived_unit_scopes IS 'unit_scopes(NULL) of the pinned snapshot, materialized: where a fact about each unit code belongs at each change date (phạm vi đơn vị hành chính)';
COMMENT ON COLUMN derived_unit_states.code IS 'GSO unit code, or <commune>-<ddd> for villages (mã đơn vị)';
COMMENT ON COLUMN derived_unit_states.valid_from IS 'The local day from which this state holds (hiệu lực từ ngày)';
COMMENT ON COLUMN derived_unit_states.event_id IS 'The last event of the day that changed the code (mã sự kiện)';
COMMENT ON COLUMN derived_unit_states.status IS 'active; merged (into merged_into); split (its entities go to merged_into); dissolved (trạng thái)';
COMMENT ON COLUMN derived_unit_states.merged_into IS 'The unit this code was merged into, or the part of a split that took its entities (sáp nhập vào)';
COMMENT ON COLUMN derived_unit_states.name IS 'Name (tên)';
COMMENT ON COLUMN derived_unit_states.level IS 'province, district, commune or village (cấp)';
COMMENT ON COLUMN derived_unit_states.kind IS 'Kind: tỉnh, huyện, xã, phường, thôn... (loại hình)';
COMMENT ON COLUMN derived_unit_states.parent_code IS 'Parent unit code as last declared (mã đơn vị cấp trên)';
COMMENT ON COLUMN derived_unit_states.flags IS 'Unit flags (đặc điểm)';
COMMENT ON COLUMN derived_unit_scopes.code IS 'A unit code ever registered (mã đơn vị)';
COMMENT ON COLUMN derived_unit_scopes.d IS 'A day on which some unit changed; the row holds from it on (ngày thay đổi)';
COMMENT ON COLUMN derived_unit_scopes.resolved IS 'The active unit the code resolves to at d, through merges and splits; NULL when not registered (đơn vị hiện hành)';
COMMENT ON COLUMN derived_unit_scopes.level IS 'The resolved unit''s level (cấp)';
COMMENT ON COLUMN derived_unit_scopes.kind IS 'The resolved unit''s kind (loại hình)';
COMMENT ON COLUMN derived_unit_scopes.parent_code IS 'The resolved unit''s parent at d; a dissolved parent gives way to its own (mã đơn vị cấp trên)';
COMMENT ON COLUMN derived_unit_scopes.commune_code IS 'The commune it lies in (mã xã)';
COMMENT ON COLUMN derived_unit_scopes.district_code IS 'The district-level unit it lies in (mã huyện)';
COMMENT ON COLUMN derived_unit_scopes.province_code IS 'The province it lies in (mã tỉnh)';
COMMENT ON COLUMN derived_unit_scopes.top_code IS 'The unit directly below the province it lies in (đơn vị trực thuộc tỉnh)';
COMMENT ON COLUMN derived_unit_scopes.top_level IS 'The level of top_code (cấp của đơn vị trực thuộc tỉnh)';
