-- The warehouse's derived SQL surface, over the base views events_log_data (every stored event,
-- with committed_at, its transaction time) and dead_letters. Every macro takes known_at: NULL
-- means everything the pinned snapshot holds, a TIMESTAMPTZ means only the events the warehouse
-- had committed at that instant, so that any past answer can be reproduced exactly.
--
-- Dates in this domain are local (Asia/Ho_Chi_Minh, UTC+07:00): business_date and every payload
-- DATE are already local calendar days, and no query here converts a TIMESTAMPTZ to a date.

-- known_events: the events of one type (NULL for all) known at known_at. A type is read from its
-- own files only, through its macro events_by_type.<type with _ for .>() (one per type of the
-- contract or of the stored files), so typ must be such a type.
CREATE OR REPLACE MACRO known_events(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN typ IS NULL THEN 'FROM events_log_data'
                         ELSE 'FROM events_by_type."' || replace(typ, '.', '_') || '"()' END)
WHERE (typ IS NULL OR event_type = typ)
  AND (known_at IS NULL OR committed_at <= known_at);

-- event_facts: the events whose standing a correction chain or a retraction decides, as DOMAIN.md
-- defines it, among the events of one type (NULL for all) known at known_at; every other known
-- event is a fact by itself and stands. Events linked by `corrects` (to an event of the same type
-- that has arrived) form one fact, rooted at the member that corrects nothing known; the member
-- with the greatest recorded_at (then event_id) stands for the fact, the others are superseded. A
-- correction whose target never arrived, or whose target is of another type, is a plain event.
-- Retracting any member retracts the fact. One row per event of a correction link (fact_id its
-- root) and per retracted event outside them (fact_id itself; it may be of any type, or unknown).
--
-- The chains, of any length, are resolved once per session into the table event_chains (one row
-- per event and interval of commit time in which its root holds; see queries/session/chains.go):
-- here a known_at only picks each member's row, and no query walks a chain.
CREATE OR REPLACE MACRO event_facts(typ, known_at) AS TABLE
WITH
members AS (
    SELECT event_id, fact_id, recorded_at FROM event_chains
    WHERE (typ IS NULL OR event_type = typ)
      AND CASE WHEN known_at IS NULL THEN valid_to IS NULL
               ELSE valid_from <= known_at AND (valid_to IS NULL OR known_at < valid_to) END
),
ret AS (SELECT DISTINCT retracted_event_id AS event_id FROM known_events('event.retracted', known_at)),
dead_facts AS (SELECT DISTINCT m.fact_id FROM members m SEMI JOIN ret r ON r.event_id = m.event_id)
SELECT event_id, fact_id,
       row_number() OVER (PARTITION BY fact_id ORDER BY recorded_at DESC, event_id DESC) > 1 AS superseded,
       fact_id IN (SELECT fact_id FROM dead_facts) AS retracted
FROM members
UNION ALL
SELECT r.event_id, r.event_id, false, true FROM ret r ANTI JOIN members m ON m.event_id = r.event_id;

-- effective: the effective events of one type, as DOMAIN.md defines them (see event_facts), with
-- the fact each stands for. Duplicates are already stored once.
-- effective_from_log derives them; effective reads them (a derived state replaces it by its
-- tables for known_at NULL, queries/derived.sql), and so do standing and standing_from_log.
-- Both leave out the raw payload and its content hash, as the per-type views do: no indicator
-- reads them, and they are most of an event's bytes (events_log has them).
CREATE OR REPLACE MACRO effective_from_log(typ, known_at) AS TABLE
SELECT e.* EXCLUDE (payload, content_hash), coalesce(f.fact_id, e.event_id) AS fact_id
FROM known_events(typ, known_at) e
LEFT JOIN event_facts(typ, known_at) f ON f.event_id = e.event_id
WHERE f.event_id IS NULL OR NOT (f.superseded OR f.retracted);

CREATE OR REPLACE MACRO effective(typ, known_at) AS TABLE
SELECT * FROM effective_from_log(typ, known_at);

-- standing: the known events of one type that count, without the superseded members of
-- correction chains and retracted facts; effective() without fact_id. Every read of a type in
-- queries/indicators/ goes through it: the rule is written once.
CREATE OR REPLACE MACRO standing_from_log(typ, known_at) AS TABLE
SELECT e.* EXCLUDE (payload, content_hash) FROM known_events(typ, known_at) e
ANTI JOIN (SELECT event_id FROM event_facts(typ, known_at) WHERE superseded OR retracted) x ON x.event_id = e.event_id;

CREATE OR REPLACE MACRO standing(typ, known_at) AS TABLE
SELECT * FROM standing_from_log(typ, known_at);

-- event_status: for every known event, whether a later member of its correction chain stands
-- instead of it (superseded) and whether its fact was retracted.
CREATE OR REPLACE MACRO event_status(known_at) AS TABLE
SELECT k.event_id, coalesce(f.superseded, false) AS superseded, coalesce(f.retracted, false) AS retracted
FROM (SELECT event_id FROM known_events(NULL, known_at)) k
LEFT JOIN event_facts(NULL, known_at) f ON f.event_id = k.event_id;

-- unit_changes: every change of a unit code, in effect from its date: registrations, the units
-- a merge creates and the parts of a split make the code active; a merge ends the codes it
-- absorbs and a split its from_code (the day before its date, so from its date they resolve to
-- the merged unit, or to the part a split unit's entities go to: the largest share, ties the
-- smallest code, DOMAIN.md "Contract v2"); a dissolution ends the code with no successor (its
-- children then hang under its parent, see unit_scopes); renames change the name. Attributes a
-- change does not set carry over from the code's previous change.
CREATE OR REPLACE MACRO unit_changes(known_at) AS TABLE
WITH
reg AS MATERIALIZED (SELECT * FROM effective('admin_unit.registered', known_at)),
mer AS MATERIALIZED (SELECT * FROM effective('admin_unit.merged', known_at)),
ren AS (SELECT * FROM effective('admin_unit.renamed', known_at)),
dis AS (SELECT * FROM effective('admin_unit.dissolved', known_at)),
spl AS MATERIALIZED (SELECT * FROM effective('admin_unit.split', known_at)),
merged_from AS MATERIALIZED (
    SELECT unnest(from_codes) AS code, into_code, business_date, recorded_at, event_id FROM mer
),
into_level AS (
    SELECT m.event_id, any_value(r.level) AS level
    FROM merged_from m JOIN reg r ON r.code = m.code
    GROUP BY m.event_id
),
-- The parts of each split, one row each (the into_* lists are parallel, in the event's order).
split_parts AS MATERIALIZED (
    SELECT event_id, from_code, business_date, recorded_at,
           unnest(into_codes) AS code, unnest(into_names) AS name, unnest(into_kinds) AS kind,
           unnest(into_parent_codes) AS parent_code, unnest(into_shares) AS share
    FROM spl
),
split_heir AS (
    SELECT event_id, code AS heir FROM split_parts
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY share DESC, code) = 1
),
split_level AS (
    SELECT s.event_id, any_value(r.level) AS level
    FROM spl s JOIN reg r ON r.code = s.from_code
    GROUP BY s.event_id
),
raw AS (
    SELECT code, business_date AS valid_from, 1 AS prio, recorded_at, event_id,
           'active' AS status, NULL::VARCHAR AS merged_into,
           name, level, kind, parent_code, flags
    FROM reg
    UNION ALL
    SELECT code, business_date, 2, recorded_at, event_id,
           NULL, NULL, new_name, NULL, NULL, NULL, NULL
    FROM ren
    UNION ALL
    SELECT code, business_date, 3, recorded_at, event_id,
           'merged', into_code, NULL, NULL, NULL, NULL, NULL
    FROM merged_from WHERE code <> into_code
    UNION ALL
    SELECT s.from_code, s.business_date, 3, s.recorded_at, s.event_id,
           'split', h.heir, NULL, NULL, NULL, NULL, NULL
    FROM spl s JOIN split_heir h USING (event_id)
    WHERE s.from_code NOT IN (SELECT code FROM split_parts p WHERE p.event_id = s.event_id)
    UNION ALL
    SELECT code, business_date, 3, recorded_at, event_id,
           'dissolved', NULL, NULL, NULL, NULL, NULL, NULL
    FROM dis
    UNION ALL
    SELECT m.into_code, m.business_date, 4, m.recorded_at, m.event_id,
           'active', NULL, m.into_name, l.level, m.into_kind, m.parent_code, NULL
    FROM mer m LEFT JOIN into_level l USING (event_id)
    UNION ALL
    SELECT p.code, p.business_date, 4, p.recorded_at, p.event_id,
           'active', NULL, p.name, l.level, p.kind, p.parent_code, NULL
    FROM split_parts p LEFT JOIN split_level l USING (event_id)
),
ordered AS (
    SELECT *, row_number() OVER (PARTITION BY code ORDER BY valid_from, prio, recorded_at, event_id) AS seq
    FROM raw
)
SELECT code, valid_from, seq, event_id,
       last_value(status IGNORE NULLS) OVER w AS status,
       CASE WHEN last_value(status IGNORE NULLS) OVER w IN ('merged', 'split') THEN merged_into END AS merged_into,
       last_value(name IGNORE NULLS) OVER w AS name,
       last_value(level IGNORE NULLS) OVER w AS level,
       last_value(kind IGNORE NULLS) OVER w AS kind,
       last_value(parent_code IGNORE NULLS) OVER w AS parent_code,
       last_value(flags IGNORE NULLS) OVER w AS flags
FROM ordered
WINDOW w AS (PARTITION BY code ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- unit_states: each code's state from each change date on (the last change of a day wins).
-- unit_states_from_log derives it from the events; unit_states reads it, and a derived state
-- (queries/derived.sql) replaces unit_states by its table for known_at NULL.
CREATE OR REPLACE MACRO unit_states_from_log(known_at) AS TABLE
SELECT * EXCLUDE (seq) FROM unit_changes(known_at)
QUALIFY row_number() OVER (PARTITION BY code, valid_from ORDER BY seq DESC) = 1;

CREATE OR REPLACE MACRO unit_states(known_at) AS TABLE
SELECT * FROM unit_states_from_log(known_at);

-- unit_scopes: for every code ever registered and every date on which any unit changed, where
-- a fact about that code belongs from that date on: the active unit it resolves to (following
-- merges, and splits to the part that takes the split unit's entities), that unit's level and
-- kind, its parent at the date (a dissolved parent is replaced by the dissolved unit's own
-- parent: the communes of an abolished district hang under the province), its commune, district
-- and province, with parents resolved through merges too, and its top unit: the unit directly
-- below the province it lies in (the district before the 2025 abolition, the commune after),
-- with that unit's level. resolved IS NULL when the code is not registered at the date (never
-- registered yet, or dissolved). Look a (code, date) up with an ASOF JOIN on code and date >= d.
-- unit_scopes_from_log derives it; unit_scopes reads it (a derived state replaces it, as
-- unit_states).
CREATE OR REPLACE MACRO unit_scopes_from_log(known_at) AS TABLE
WITH
st AS MATERIALIZED (SELECT * FROM unit_states(known_at)),
days AS (SELECT DISTINCT valid_from AS d FROM st),
codes AS (SELECT DISTINCT code FROM st),
st_at AS MATERIALIZED (
    SELECT c.code, dd.d, s.status, s.merged_into, s.level, s.kind, s.parent_code
    FROM codes c CROSS JOIN days dd
    ASOF LEFT JOIN st s ON s.code = c.code AND dd.d >= s.valid_from
),
-- resolve(code, d): the code itself when active, else follow merged_into (up to four hops).
r AS MATERIALIZED (
    SELECT a.code, a.d,
           CASE WHEN a.status = 'active' THEN a.code
                WHEN b.status = 'active' THEN b.code
                WHEN c.status = 'active' THEN c.code
                WHEN e.status = 'active' THEN e.code
                WHEN f.status = 'active' THEN f.code END AS resolved
    FROM st_at a
    LEFT JOIN st_at b ON b.code = a.merged_into AND b.d = a.d
    LEFT JOIN st_at c ON c.code = b.merged_into AND c.d = a.d
    LEFT JOIN st_at e ON e.code = c.merged_into AND e.d = a.d
    LEFT JOIN st_at f ON f.code = e.merged_into AND f.d = a.d
),
-- u: a resolved unit with its attributes and its resolved parent; a dissolved parent gives way to
-- its own parent.
u AS MATERIALIZED (
    SELECT r.code, r.d, r.resolved, a.level, a.kind, pr.resolved AS parent
    FROM r
    LEFT JOIN st_at a ON a.code = r.resolved AND a.d = r.d
    LEFT JOIN st_at pa ON pa.code = a.parent_code AND pa.d = r.d
    LEFT JOIN r pr ON pr.code = CASE WHEN pa.status = 'dissolved' THEN pa.parent_code ELSE a.parent_code END
                  AND pr.d = r.d
)
SELECT u0.code, u0.d, u0.resolved, u0.level, u0.kind, u0.parent AS parent_code,
       CASE WHEN u0.level = 'commune' THEN u0.resolved
            WHEN u1.level = 'commune' THEN u1.resolved END AS commune_code,
       CASE WHEN u0.level = 'district' THEN u0.resolved
            WHEN u1.level = 'district' THEN u1.resolved
            WHEN u2.level = 'district' THEN u2.resolved
            WHEN u3.level = 'district' THEN u3.resolved END AS district_code,
       CASE WHEN u0.level = 'province' THEN u0.resolved
            WHEN u1.level = 'province' THEN u1.resolved
            WHEN u2.level = 'province' THEN u2.resolved
            WHEN u3.level = 'province' THEN u3.resolved
            WHEN u4.level = 'province' THEN u4.resolved END AS province_code,
       CASE WHEN u1.level = 'province' THEN u0.resolved
            WHEN u2.level = 'province' THEN u1.resolved
            WHEN u3.level = 'province' THEN u2.resolved
            WHEN u4.level = 'province' THEN u3.resolved END AS top_code,
       CASE WHEN u1.level = 'province' THEN u0.level
            WHEN u2.level = 'province' THEN u1.level
            WHEN u3.level = 'province' THEN u2.level
            WHEN u4.level = 'province' THEN u3.level END AS top_level
FROM u u0
LEFT JOIN u u1 ON u1.code = u0.parent AND u1.d = u0.d
LEFT JOIN u u2 ON u2.code = u1.parent AND u2.d = u0.d
LEFT JOIN u u3 ON u3.code = u2.parent AND u3.d = u0.d
LEFT JOIN u u4 ON u4.code = u3.parent AND u4.d = u0.d;

CREATE OR REPLACE MACRO unit_scopes(known_at) AS TABLE
SELECT * FROM unit_scopes_from_log(known_at);

-- unit_scopes_at: unit_scopes at one date: for every code registered by then, where a fact about
-- it belongs at on_date (the row of the latest change on or before it; d is that change's date).
CREATE OR REPLACE MACRO unit_scopes_at(on_date, known_at) AS TABLE
SELECT * FROM unit_scopes(known_at) WHERE d <= CAST(on_date AS DATE)
QUALIFY row_number() OVER (PARTITION BY code ORDER BY d DESC) = 1;

-- units_at: the units active at a date, with their commune, district and province.
CREATE OR REPLACE MACRO units_at(on_date, known_at) AS TABLE
SELECT * EXCLUDE (d) FROM unit_scopes_at(on_date, known_at) WHERE resolved = code;

-- unit_names: every code registered on or before on_date with the name it had then (its latest
-- version from that date back: a merged or dissolved unit keeps its last name), for outputs that
-- show a name beside each code. A code reused by a new unit (14758 was Đông Thọ, is Hàm Rồng from
-- 2025-07-01) names the unit of on_date.
CREATE OR REPLACE MACRO unit_names(on_date, known_at) AS TABLE
SELECT code, name FROM unit_states(known_at) WHERE valid_from <= CAST(on_date AS DATE)
QUALIFY row_number() OVER (PARTITION BY code ORDER BY valid_from DESC) = 1;

-- districts_abolished: when no district-level unit is active at on_date although some were
-- dissolved on or before it, the date of the last of those dissolutions (from which
-- district-level indicators are empty and the scopes below the province are communes);
-- otherwise NULL. Human-facing outputs say why with it.
CREATE OR REPLACE MACRO districts_abolished(on_date, known_at) AS TABLE
SELECT CASE WHEN (SELECT count(*) FROM units_at(on_date, known_at) WHERE level = 'district') = 0
            THEN (SELECT max(e.business_date) FROM effective('admin_unit.dissolved', known_at) e
                  WHERE e.business_date <= CAST(on_date AS DATE)
                    AND e.code IN (SELECT code FROM unit_states(known_at) WHERE level = 'district')) END AS since;

-- period_has_events: whether any event other than the register of administrative units
-- (admin_unit.*) is dated (business_date) in [start_d, end_d] and known at known_at. Without one,
-- a period's indicators are zeros and blanks for want of data, and human-facing outputs say so.
CREATE OR REPLACE MACRO period_has_events(start_d, end_d, known_at) AS TABLE
SELECT EXISTS (SELECT 1 FROM known_events(NULL, known_at)
               WHERE business_date BETWEEN CAST(start_d AS DATE) AND CAST(end_d AS DATE)
                 AND NOT starts_with(event_type, 'admin_unit.')) AS has_events;

-- admin_units: the effective-dated hierarchy. One row per code and period of validity
-- [valid_from, valid_to) (valid_to NULL: still valid), with its status (active; merged into, or
-- split with its entities going to, merged_into; dissolved) and its parent, district and
-- province valid in that period. A period starts whenever one of them changes: a commune whose
-- district is dissolved starts a period under the province on the dissolution's date although
-- no event names it. For an active code the parent is resolved through merges (a village whose
-- commune was merged hangs under the unit that took it in); otherwise it is the last declared.
-- admin_units_from_log derives it; the view admin_units reads it (a derived state replaces the
-- view by one over its table, queries/hierarchy.sql).
CREATE OR REPLACE MACRO admin_units_from_log() AS TABLE
WITH st AS MATERIALIZED (SELECT * FROM unit_states(NULL)),
sc AS MATERIALIZED (SELECT * FROM unit_scopes(NULL)),
v AS (
    SELECT sc.code, sc.d AS valid_from, a.name, a.level, a.kind,
           CASE WHEN a.status = 'active' THEN sc.parent_code ELSE a.parent_code END AS parent_code,
           a.status, a.merged_into, a.flags,
           CASE WHEN a.status = 'active' THEN sc.district_code END AS district_code,
           CASE WHEN a.status = 'active' THEN sc.province_code END AS province_code
    FROM sc ASOF JOIN st a ON a.code = sc.code AND sc.d >= a.valid_from
),
periods AS (
    SELECT * FROM v
    QUALIFY row(name, level, kind, parent_code, status, merged_into, flags, district_code, province_code)
            IS DISTINCT FROM lag(row(name, level, kind, parent_code, status, merged_into, flags, district_code, province_code))
                             OVER (PARTITION BY code ORDER BY valid_from)
)
SELECT code, name, level, kind, parent_code, status, merged_into, flags,
       valid_from, lead(valid_from) OVER (PARTITION BY code ORDER BY valid_from) AS valid_to,
       district_code, province_code
FROM periods;

CREATE OR REPLACE VIEW admin_units AS SELECT * FROM admin_units_from_log() ORDER BY code, valid_from;

COMMENT ON VIEW admin_units IS 'Administrative units, effective-dated, with merges, splits and dissolutions applied (đơn vị hành chính theo thời gian hiệu lực)';
COMMENT ON COLUMN admin_units.code IS 'GSO unit code, or <commune>-<ddd> for villages (mã đơn vị)';
COMMENT ON COLUMN admin_units.name IS 'Name (tên)';
COMMENT ON COLUMN admin_units.level IS 'province, district, commune or village (cấp)';
COMMENT ON COLUMN admin_units.kind IS 'Kind: tỉnh, huyện, xã, phường, thôn... (loại hình)';
COMMENT ON COLUMN admin_units.parent_code IS 'Parent unit code valid in the period, resolved through merges and dissolutions (mã đơn vị cấp trên)';
COMMENT ON COLUMN admin_units.status IS 'active; merged (into merged_into); split (its entities go to merged_into); dissolved (trạng thái)';
COMMENT ON COLUMN admin_units.merged_into IS 'The unit this code was merged into, or the part of a split that took its entities (sáp nhập vào)';
COMMENT ON COLUMN admin_units.flags IS 'Unit flags (đặc điểm)';
COMMENT ON COLUMN admin_units.valid_from IS 'First local day of this version (hiệu lực từ ngày)';
COMMENT ON COLUMN admin_units.valid_to IS 'First local day after this version; NULL while valid (hiệu lực đến trước ngày)';
COMMENT ON COLUMN admin_units.district_code IS 'District-level unit it belongs to in the period; NULL after the districts were dissolved (mã huyện)';
COMMENT ON COLUMN admin_units.province_code IS 'Province it belongs to on valid_from (mã tỉnh)';
