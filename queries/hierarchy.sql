-- The unit hierarchy of a derived state (queries/session/derived.go): unit_states(NULL),
-- unit_scopes(NULL) and admin_units as tables, and admin_units as a view of its table. They
-- depend on the effective events of the types admin_unit.* only, so a refresh runs this file
-- again only when those changed. It runs after derived.sql: unit_scopes_from_log reads
-- unit_states(NULL), which then reads derived_unit_states, and the effective events of the
-- register are read from their tables.

-- derived_unit_states: unit_states(NULL), each code's state from each change date on.
CREATE OR REPLACE TABLE derived_unit_states AS SELECT * FROM unit_states_from_log(NULL);

-- derived_unit_scopes: unit_scopes(NULL), where a fact about each code belongs at each date.
CREATE OR REPLACE TABLE derived_unit_scopes AS SELECT * FROM unit_scopes_from_log(NULL);

-- derived_admin_units: admin_units_from_log(), as a table; the view admin_units then reads it (its
-- comments are those of views.sql, set again after this file).
CREATE OR REPLACE TABLE derived_admin_units AS SELECT * FROM admin_units_from_log();

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
