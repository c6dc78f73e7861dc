-- The derived state of a snapshot (queries/session/derived.go): what is costly to derive from the
-- event log and does not depend on a query's parameters, materialized once per committed
-- snapshot in the snapshot's derived database file, which sessions then open instead of
-- deriving it again. Each macro keeps its meaning, for known_at NULL (everything the snapshot
-- holds) and for any other known_at: it reads the tables where they answer for that instant
-- and otherwise derives from the log as views.sql does, so that time travel answers as before.
-- The tables hold exactly what the macros of views.sql return: tests compare the two. The
-- tables of the hierarchy are in hierarchy.sql, those of the effective events are written by
-- derived.go; both may run after this file (the macros name their tables in query() text,
-- bound when they are used).

-- The macros below choose between the tables and the log with query(), whose text is a
-- constant once known_at is bound, so that DuckDB binds only the chosen branch: binding the
-- derivation opens the event files of its types, which costs about as much as reading the
-- table. known_at is written into the text as its microseconds since the epoch
-- (make_timestamptz), the same instant whatever the client's time zone; a type is quoted as a
-- string.
CREATE OR REPLACE MACRO sql_string(s) AS
CASE WHEN s IS NULL THEN 'NULL' ELSE '''' || replace(s, '''', '''''') || '''' END;

CREATE OR REPLACE MACRO sql_instant(t) AS
coalesce('make_timestamptz(' || CAST(epoch_us(CAST(t AS TIMESTAMPTZ)) AS VARCHAR) || ')', 'NULL');

-- The hierarchy of any known_at from derived_hierarchy_since() on (the last commit of an event
-- it depends on) is that of known_at NULL: its tables. queries/session/derived.go replaces this
-- never-current placeholder by the instant once the state is complete.
CREATE OR REPLACE MACRO derived_hierarchy_since() AS CAST('infinity' AS TIMESTAMPTZ);

CREATE OR REPLACE MACRO hierarchy_current(known_at) AS
known_at IS NULL OR CAST(known_at AS TIMESTAMPTZ) >= derived_hierarchy_since();

CREATE OR REPLACE MACRO unit_states(known_at) AS TABLE
SELECT * FROM query(CASE WHEN hierarchy_current(known_at) THEN 'FROM derived_unit_states'
                         ELSE 'FROM unit_states_from_log(' || sql_instant(known_at) || ')' END);

CREATE OR REPLACE MACRO unit_scopes(known_at) AS TABLE
SELECT * FROM query(CASE WHEN hierarchy_current(known_at) THEN 'FROM derived_unit_scopes'
                         ELSE 'FROM unit_scopes_from_log(' || sql_instant(known_at) || ')' END);

-- known_events of one type reads the type's table in the schema derived (every known event of
-- the type, written by queries/session/derived.go) through its macro known_<type>_all(), which
-- has every column of the event log but the payload and its hash, NULL there (no query of the
-- surface reads them; events_log has them); so does time travel, since the table holds every
-- event the snapshot knows with its commit time. known_events of all types reads the log.
CREATE OR REPLACE MACRO known_events(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN typ IS NULL THEN 'FROM events_log_data'
                         ELSE 'FROM derived."known_' || replace(typ, '.', '_') || '_all"()' END)
WHERE (typ IS NULL OR event_type = typ)
  AND (known_at IS NULL OR committed_at <= known_at);

-- effective and standing of one type read the type's table in the schema derived (written by
-- queries/session/derived.go, one per type, effective_<the type's view>), which holds every
-- known event of the type with its fact and the commit time from which it no longer stands:
-- effective(typ, NULL) through the table macro effective_<type>_all(), and as known at an
-- instant through effective_<type>_at(known_at), with each event's fact at that instant.
-- standing is effective without fact_id. effective of all types (typ NULL) derives. The macros
-- add the other types' columns as NULL, those of effective_from_log in its order.
CREATE OR REPLACE MACRO effective(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN typ IS NULL THEN 'FROM effective_from_log(NULL, ' || sql_instant(known_at) || ')'
                         WHEN known_at IS NULL THEN 'FROM derived."effective_' || replace(typ, '.', '_') || '_all"()'
                         ELSE 'FROM derived."effective_' || replace(typ, '.', '_') || '_at"(' || sql_instant(known_at) || ')' END);

CREATE OR REPLACE MACRO standing(typ, known_at) AS TABLE
SELECT * FROM query(CASE WHEN typ IS NULL THEN 'FROM standing_from_log(NULL, ' || sql_instant(known_at) || ')'
                         WHEN known_at IS NULL THEN 'SELECT * EXCLUDE (fact_id) FROM derived."effective_' || replace(typ, '.', '_') || '_all"()'
                         ELSE 'FROM derived."standing_' || replace(typ, '.', '_') || '_at"(' || sql_instant(known_at) || ')' END);
