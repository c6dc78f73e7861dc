package render

// Case is one value of the renderer's contract: a SQL expression and how it is written in a
// table cell, as a CSV field (before CSV's own quoting) and in JSON. The tests of every surface that renders values (ntm sql, the SQL
// endpoint) run these cases, so the surfaces cannot drift apart.
type Case struct {
	Name, Expr       string
	Table, CSV, JSON string
}

// Cases are the types the renderer's contract names, each with an awkward value.
var Cases = []Case{
	{"null", "NULL::INTEGER", "NULL", "", "null"},
	{"boolean", "true", "true", "true", "true"},
	{"integer", "-42::INTEGER", "-42", "-42", "-42"},
	{"bigint", "9007199254740993::BIGINT", "9007199254740993", "9007199254740993", "9007199254740993"},
	{"hugeint", "1234567890123456789012345678901234567::HUGEINT", "1234567890123456789012345678901234567", "1234567890123456789012345678901234567", "1234567890123456789012345678901234567"},
	{"decimal", "1.00::DECIMAL(4,2)", "1.00", "1.00", "1.00"},
	{"decimal negative small", "-0.05::DECIMAL(18,3)", "-0.050", "-0.050", "-0.050"},
	{"decimal wide", "12345678901234567890.123456789::DECIMAL(38,9)", "12345678901234567890.123456789", "12345678901234567890.123456789", "12345678901234567890.123456789"},
	{"double", "0.1::DOUBLE", "0.1", "0.1", "0.1"},
	{"float", "0.1::FLOAT", "0.1", "0.1", "0.1"},
	{"nan", "'NaN'::DOUBLE", "NaN", "NaN", `"NaN"`},
	{"infinity", "'inf'::DOUBLE", "Infinity", "Infinity", `"Infinity"`},
	{"negative infinity", "'-inf'::FLOAT", "-Infinity", "-Infinity", `"-Infinity"`},
	{"varchar", "'Thanh Hóa, \"38\"'", `Thanh Hóa, "38"`, `Thanh Hóa, "38"`, `"Thanh Hóa, \"38\""`},
	{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
	{"interval", "INTERVAL '1 year 2 months 3 days 04:05:06.5'", "P1Y2M3DT4H5M6.5S", "P1Y2M3DT4H5M6.5S", `"P1Y2M3DT4H5M6.5S"`},
	{"date", "DATE '2025-01-01'", "2025-01-01", "2025-01-01", `"2025-01-01"`},
	{"timestamptz", "TIMESTAMPTZ '2024-12-31 20:00:00+00'", "2025-01-01T03:00:00+07:00", "2025-01-01T03:00:00+07:00", `"2025-01-01T03:00:00+07:00"`},
	{"timestamp", "TIMESTAMP '2025-03-04 05:06:07.5'", "2025-03-04T05:06:07.5", "2025-03-04T05:06:07.5", `"2025-03-04T05:06:07.5"`},
	{"time", "TIME '13:14:15'", "13:14:15", "13:14:15", `"13:14:15"`},
	{"list", "[DATE '2025-01-01', NULL]", `["2025-01-01",null]`, `["2025-01-01",null]`, `["2025-01-01",null]`},
	{"list of doubles", "[1.5::DOUBLE, 'nan'::DOUBLE]", `[1.5,"NaN"]`, `[1.5,"NaN"]`, `[1.5,"NaN"]`},
	{"struct", "{'z': 1.50::DECIMAL(3,2), 'a': DATE '2025-07-01'}", `{"z":1.50,"a":"2025-07-01"}`, `{"z":1.50,"a":"2025-07-01"}`, `{"z":1.50,"a":"2025-07-01"}`},
	{"map", "MAP {1: 'inf'::DOUBLE, 2: 0.5::DOUBLE}", `{"1":"Infinity","2":0.5}`, `{"1":"Infinity","2":0.5}`, `{"1":"Infinity","2":0.5}`},
	{"blob", "'\\x00AB\\xFF'::BLOB", `\x00AB\xFF`, `\x00AB\xFF`, `"\\x00AB\\xFF"`},
	{"multi-line text", "'a' || chr(10) || 'b'", `a\nb`, "a\nb", `"a\nb"`},
}
