// Command gen writes the code that the contract's field table (package events/schema) implies:
// the event types, payload structs, payload decoder and encoder of package events, and the
// Arrow column appenders of package warehouse/batch. `go generate ./events/` runs it from the
// events folder; a test of this package fails when a generated file is not what the table says.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/thanhhoa-ntm/ntm/events/schema"
)

// Files are the generated files, relative to the repository's root.
const (
	EventsFile = "events/zz_schema.go"
	BatchFile  = "warehouse/batch/zz_schema.go"
)

func main() {
	root := flag.String("root", "..", "the repository's root folder")
	flag.Parse()
	files, err := Generate(schema.Types)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*root, name), src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

// Generate returns the generated files by name (EventsFile, BatchFile), gofmt-ed.
func Generate(types []schema.Type) (map[string][]byte, error) {
	if err := Check(types); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, src := range map[string][]byte{EventsFile: eventsFile(types), BatchFile: batchFile(types)} {
		formatted, err := format.Source(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", name, err, src)
		}
		out[name] = formatted
	}
	return out, nil
}

// Check reports the first inconsistency of the table: a column that two types store
// differently, a column without a description, an unknown value list, a business date that is
// not a date, a repeated name, an object list whose items cannot be stored as parallel lists.
func Check(types []schema.Type) error {
	storage := map[string]schema.Storage{}
	typeNames := map[string]bool{}
	for _, t := range types {
		if t.Name == "" || t.Go == "" || t.Version < 1 || typeNames[t.Name] {
			return fmt.Errorf("type %q: a name, a Go name and a version are required, once", t.Name)
		}
		typeNames[t.Name] = true
		if err := checkFields(t.Name, t.Fields, false); err != nil {
			return err
		}
		for _, f := range t.Fields {
			for _, c := range f.Columns() {
				if s, ok := storage[c.Name]; ok && s != c.Storage {
					return fmt.Errorf("%s: column %s is stored as %d by another type and %d here", t.Name, c.Name, s, c.Storage)
				}
				storage[c.Name] = c.Storage
			}
		}
		if t.BusinessDate != "" {
			i := slices.IndexFunc(t.Fields, func(f schema.Field) bool { return f.Name == t.BusinessDate })
			if i < 0 || (t.Fields[i].Rule != schema.Date && t.Fields[i].Rule != schema.Timestamp) {
				return fmt.Errorf("%s: the business date %q is not a date or timestamp field", t.Name, t.BusinessDate)
			}
		}
	}
	registrars := map[string]bool{}
	for _, t := range types {
		entities := 0
		for _, f := range t.Fields {
			if f.Entity != "" {
				entities++
				if f.Rule != schema.Ident {
					return fmt.Errorf("%s: field %s: an entity is named by an Ident", t.Name, f.Name)
				}
			}
			if t.Registers != "" && f.Entity == t.Registers {
				registrars[t.Registers] = true
			}
		}
		if entities > 1 {
			return fmt.Errorf("%s: a type names one entity at most", t.Name)
		}
		if t.Registers != "" && !registrars[t.Registers] {
			return fmt.Errorf("%s: registers %s but has no field of that entity", t.Name, t.Registers)
		}
	}
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Entity != "" && !registrars[f.Entity] {
				return fmt.Errorf("%s: field %s: no type registers entity %s", t.Name, f.Name, f.Entity)
			}
		}
	}
	for _, c := range schema.Columns(types) {
		if c.Doc == "" {
			return fmt.Errorf("column %s has no description: give one of its fields a Doc", c.Name)
		}
	}
	return nil
}

// checkFields checks the fields of a type, or, with item, the members of an ObjectList's
// objects: each of those fills a list column of its own, so it needs an explicit Column, a
// storage with a list form and a value in every object (an optional member would leave the
// parallel lists of a row unequal), and it names no entity and holds no list itself.
func checkFields(typ string, fields []schema.Field, item bool) error {
	seen := map[string]bool{}
	for _, f := range fields {
		if f.Name == "" || f.Go == "" || f.Rule == 0 || seen[f.Name] || seen[f.Go] {
			return fmt.Errorf("%s: field %q: a name, a Go name and a rule are required, once", typ, f.Name)
		}
		seen[f.Name], seen[f.Go] = true, true
		if (f.Rule == schema.Enum || f.Rule == schema.EnumList) != (f.Values != "") {
			return fmt.Errorf("%s: field %s: Values goes with Enum and EnumList only", typ, f.Name)
		}
		if _, ok := schema.Lists[f.Values]; f.Values != "" && !ok {
			return fmt.Errorf("%s: field %s: no list %q", typ, f.Name, f.Values)
		}
		if (f.Rule == schema.Int || f.Rule == schema.Coordinate) && f.Min > f.Max {
			return fmt.Errorf("%s: field %s: Min is over Max", typ, f.Name)
		}
		if f.Rule == schema.Positive && !(f.Max > 0) {
			return fmt.Errorf("%s: field %s: a Positive needs its plausible Max", typ, f.Name)
		}
		if (f.Rule == schema.ObjectList) != (f.Item != "" || len(f.Items) > 0) {
			return fmt.Errorf("%s: field %s: Item and Items go with ObjectList only", typ, f.Name)
		}
		if item {
			switch {
			case f.Column == "":
				return fmt.Errorf("%s: item field %s: an item field names its list column", typ, f.Name)
			case f.Rule.Storage().List() == 0 || f.Rule.Nullable() || f.Optional:
				return fmt.Errorf("%s: item field %s: only a required string or number can be stored as a list", typ, f.Name)
			case f.Entity != "":
				return fmt.Errorf("%s: item field %s: an item names no entity", typ, f.Name)
			}
		}
		if f.Rule == schema.ObjectList {
			if f.Item == "" || len(f.Items) == 0 || f.MinItems < 1 || f.Optional {
				return fmt.Errorf("%s: field %s: an ObjectList needs its Item struct, its Items and a MinItems of at least 1, and is required", typ, f.Name)
			}
			if err := checkFields(typ+" "+f.Name, f.Items, true); err != nil {
				return err
			}
		}
	}
	return nil
}

const header = "// Code generated by events/schema/gen from the field table in events/schema; DO NOT EDIT.\n\n"

// listVar is the Go variable holding a value list: "gov_levels" → enumGovLevels.
func listVar(name string) string {
	var b strings.Builder
	b.WriteString("enum")
	for _, part := range strings.Split(name, "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func num(f float64) string {
	if f == schema.MaxInt {
		return "maxInt"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// goType is the Go type of a field in package events.
func goType(f schema.Field) string {
	if f.Rule == schema.ObjectList {
		return "[]" + f.Item
	}
	switch f.Rule.Storage() {
	case schema.StringList:
		return "[]string"
	case schema.Boolean:
		return "bool"
	case schema.Int64:
		return "int64"
	case schema.Float64:
		return "float64"
	case schema.LocalDate:
		return "Date"
	case schema.Instant:
		return "time.Time"
	}
	return "string"
}

func eventsFile(types []schema.Type) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%spackage events\n\n", header)
	if hasTimestamps(types) {
		p("import \"time\"\n\n")
	}

	p("// The %d event types of the contract, in the order of EVENTS.md.\nconst (\n", len(types))
	for i, t := range types {
		if i == 0 {
			p("\t%s Type = iota + 1\n", t.Go)
		} else {
			p("\t%s\n", t.Go)
		}
	}
	p("\n\tnumTypes = %d\n)\n\n", len(types))
	p("var typeNames = [...]string{\n")
	for _, t := range types {
		p("\t%s: %q,\n", t.Go, t.Name)
	}
	p("}\n\n// currentVersions are the types' current schema versions.\nvar currentVersions = [...]int{\n")
	for _, t := range types {
		p("\t%s: %d,\n", t.Go, t.Version)
	}
	p("}\n\n// The contract's enumerations.\nvar (\n")
	names := make([]string, 0, len(schema.Lists))
	for name := range schema.Lists {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		quoted := make([]string, len(schema.Lists[name]))
		for i, v := range schema.Lists[name] {
			quoted[i] = strconv.Quote(v)
		}
		p("\t%s = []string{%s}\n", listVar(name), strings.Join(quoted, ", "))
	}
	p(")\n\n")

	structFields := func(fields []schema.Field) {
		for _, f := range fields {
			comment := f.Comment
			if comment == "" && f.Rule == schema.Enum {
				comment = "one of " + strings.Join(schema.Lists[f.Values], ", ")
			}
			if comment == "" && f.Rule.Nullable() {
				comment = "optional"
			}
			if comment != "" {
				comment = " // " + comment
			}
			p("\t%s %s%s\n", f.Go, goType(f), comment)
		}
	}
	for _, t := range types {
		p("// %sPayload %s\ntype %sPayload struct {\n", t.Go, t.Doc, t.Go)
		structFields(t.Fields)
		p("}\n\n// Type is %s.\nfunc (%sPayload) Type() Type { return %s }\n\n", t.Name, t.Go, t.Go)
		for _, f := range t.Fields {
			if f.Rule == schema.ObjectList {
				p("// %s is one object of the list %s of %s.\ntype %s struct {\n", f.Item, f.Name, t.Name, f.Item)
				structFields(f.Items)
				p("}\n\n")
			}
		}
		if t.BusinessDate != "" {
			for _, f := range t.Fields {
				if f.Name != t.BusinessDate {
					continue
				}
				if f.Rule == schema.Timestamp {
					p("func (p %sPayload) businessDate() Date { return DateOf(p.%s) }\n\n", t.Go, f.Go)
				} else {
					p("func (p %sPayload) businessDate() Date { return p.%s }\n\n", t.Go, f.Go)
				}
			}
		}
	}

	p("// decodePayload reads the payload of type t from p, field by field, then the type's rules\n")
	p("// across fields, so that a missing field is reported as missing rather than as a broken\n// comparison.\n")
	p("func decodePayload(t Type, p *fields) Payload {\n\tswitch t {\n")
	for _, t := range types {
		p("\tcase %s:\n\t\tvar x %sPayload\n", t.Go, t.Go)
		for _, f := range t.Fields {
			if f.Rule == schema.ObjectList {
				p("\t\tx.%s = objectList(p, %q, %d, func(q *fields) (it %s) {\n", f.Go, f.Name, f.MinItems, f.Item)
				for _, it := range f.Items {
					p("\t\t\tit.%s = %s\n", it.Go, decodeCall(it, "q"))
				}
				p("\t\t\treturn it\n\t\t})\n")
				continue
			}
			p("\t\tx.%s = %s\n", f.Go, decodeCall(f, "p"))
		}
		if t.Check {
			p("\t\tif p.err == nil {\n\t\t\tx.check(p)\n\t\t}\n")
		}
		p("\t\treturn x\n")
	}
	p("\t}\n\tpanic(\"BUG: no payload decoder for \" + t.String())\n}\n\n")

	p("// appendPayload writes the payload's members in the order of the field table.\n")
	p("func appendPayload(w *objWriter, p Payload) {\n\tswitch x := p.(type) {\n")
	for _, t := range types {
		p("\tcase %sPayload:\n", t.Go)
		for _, f := range t.Fields {
			if f.Rule == schema.ObjectList {
				p("\t\tw.objects(%q, len(x.%s), func(w *objWriter, i int) {\n", f.Name, f.Go)
				for _, it := range f.Items {
					p("%s", encodeCall(it, "x."+f.Go+"[i]."+it.Go))
				}
				p("\t\t})\n")
				continue
			}
			p("%s", encodeCall(f, "x."+f.Go))
		}
	}
	p("\tdefault:\n\t\tpanic(\"BUG: no payload encoder for \" + p.Type().String())\n\t}\n}\n\n")

	p("// payloadUnitCodes calls fn with each unit code the payload names, and its field.\n")
	p("func payloadUnitCodes(p Payload, fn func(field, code string)) {\n\tswitch x := p.(type) {\n")
	for _, t := range types {
		var body strings.Builder
		for _, f := range t.Fields {
			switch f.Rule {
			case schema.UnitCode:
				fmt.Fprintf(&body, "\t\tfn(%q, x.%s)\n", f.Name, f.Go)
			case schema.OptUnitCode:
				fmt.Fprintf(&body, "\t\tif x.%s != \"\" {\n\t\t\tfn(%q, x.%s)\n\t\t}\n", f.Go, f.Name, f.Go)
			case schema.UnitCodeList:
				fmt.Fprintf(&body, "\t\tfor _, c := range x.%s {\n\t\t\tfn(%q, c)\n\t\t}\n", f.Go, f.Name)
			case schema.ObjectList:
				var items strings.Builder
				for _, it := range f.Items {
					if it.Rule == schema.UnitCode {
						fmt.Fprintf(&items, "\t\t\tfn(elemPath(%q, i)+%q, it.%s)\n", f.Name, "."+it.Name, it.Go)
					}
				}
				if items.Len() > 0 {
					fmt.Fprintf(&body, "\t\tfor i, it := range x.%s {\n%s\t\t}\n", f.Go, items.String())
				}
			}
		}
		if body.Len() > 0 {
			p("\tcase %sPayload:\n%s", t.Go, body.String())
		}
	}
	p("\t}\n}\n\n")

	p("// payloadEntity is the entity the payload names, if any.\n")
	p("func payloadEntity(p Payload) (Entity, bool) {\n\tswitch x := p.(type) {\n")
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Entity != "" {
				p("\tcase %sPayload:\n\t\treturn Entity{Field: %q, Kind: %q, ID: x.%s, Registers: %t}, true\n",
					t.Go, f.Name, f.Entity, f.Go, t.Registers == f.Entity)
			}
		}
	}
	p("\t}\n\treturn Entity{}, false\n}\n\n")

	p("// entityKinds are, per entity kind, the type that registers it and its id column.\n")
	p("var entityKinds = map[string]EntityKind{\n")
	for _, t := range types {
		if t.Registers == "" {
			continue
		}
		for _, f := range t.Fields {
			if f.Entity == t.Registers {
				p("\t%q: {Registrar: %s, Column: %q},\n", t.Registers, t.Go, f.ColumnName())
			}
		}
	}
	p("}\n")
	return b.Bytes()
}

// decodeCall is the expression that reads the field f with the fields reader named p.
func decodeCall(f schema.Field, p string) string {
	n := strconv.Quote(f.Name)
	switch f.Rule {
	case schema.Text:
		return p + ".text(" + n + ")"
	case schema.OptText:
		return p + ".optText(" + n + ")"
	case schema.Ident:
		return p + ".ident(" + n + ")"
	case schema.UnitCode:
		return p + ".unitCode(" + n + ", true)"
	case schema.OptUnitCode:
		return p + ".unitCode(" + n + ", false)"
	case schema.EventID:
		return p + ".eventID(" + n + ", true)"
	case schema.Enum:
		return p + ".enum(" + n + ", " + listVar(f.Values) + ")"
	case schema.EnumList:
		return fmt.Sprintf("%s.enumList(%s, %s, %t, %t)", p, n, listVar(f.Values), !f.Optional, !f.Optional)
	case schema.UnitCodeList:
		return p + ".stringList(" + n + ", true, true, " + p + ".checkUnitCode)"
	case schema.Bool:
		return p + ".boolean(" + n + ")"
	case schema.Int:
		return p + ".integer(" + n + ", " + num(f.Min) + ", " + num(f.Max) + ")"
	case schema.Positive:
		return p + ".positive(" + n + ", " + num(f.Max) + ")"
	case schema.Coordinate:
		return p + ".coordinate(" + n + ", " + num(f.Min) + ", " + num(f.Max) + ")"
	case schema.Date:
		return p + ".date(" + n + ")"
	case schema.Timestamp:
		return p + ".timestamp(" + n + ")"
	case schema.Fraction:
		return p + ".fraction(" + n + ")"
	}
	panic(fmt.Sprintf("gen: no decoder for rule %d", f.Rule))
}

// encodeCall is the statement that writes the field f, whose value is the Go expression v.
func encodeCall(f schema.Field, v string) string {
	n := strconv.Quote(f.Name)
	switch f.Rule {
	case schema.OptText:
		return fmt.Sprintf("\t\tif %s != \"\" {\n\t\t\tw.str(%s, %s)\n\t\t}\n", v, n, v)
	case schema.OptUnitCode:
		return fmt.Sprintf("\t\tif %s == \"\" {\n\t\t\tw.null(%s)\n\t\t} else {\n\t\t\tw.str(%s, %s)\n\t\t}\n", v, n, n, v)
	case schema.EnumList, schema.UnitCodeList:
		if f.Optional {
			return fmt.Sprintf("\t\tif len(%s) > 0 {\n\t\t\tw.strs(%s, %s)\n\t\t}\n", v, n, v)
		}
		return fmt.Sprintf("\t\tw.strs(%s, %s)\n", n, v)
	}
	method := map[schema.Storage]string{schema.String: "str", schema.Boolean: "bool", schema.Int64: "int",
		schema.Float64: "float", schema.LocalDate: "date", schema.Instant: "time"}[f.Rule.Storage()]
	return fmt.Sprintf("\t\tw.%s(%s, %s)\n", method, n, v)
}

func batchFile(types []schema.Type) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%spackage batch\n\nimport (\n", header)
	if hasTimestamps(types) {
		p("\t\"time\"\n\n")
	}
	p("\t\"github.com/thanhhoa-ntm/ntm/events\"\n)\n\n")
	p("// payloadColumns are, per event type, its payload columns in the order of its fields, each\n")
	p("// with the function that appends a payload's value to the column's builder.\n")
	p("func payloadColumns(typ events.Type) []column {\n\tswitch typ {\n")
	for _, t := range types {
		p("\tcase events.%s:\n\t\treturn []column{\n", t.Go)
		for _, f := range t.Fields {
			if f.Rule == schema.ObjectList {
				// One list column per member, read from the objects in place.
				for _, it := range f.Items {
					kind := map[schema.Storage]string{schema.StringList: "stringItemsColumn", schema.Float64List: "float64ItemsColumn"}[it.Rule.Storage().List()]
					p("\t\t\t{%q, %s(func(p events.Payload) []events.%s { return p.(events.%sPayload).%s }, func(it events.%s) %s { return it.%s })},\n",
						it.ColumnName(), kind, f.Item, t.Go, f.Go, f.Item, batchGoType(it), it.Go)
				}
				continue
			}
			kind := map[schema.Storage]string{schema.String: "stringColumn", schema.StringList: "listColumn",
				schema.Boolean: "boolColumn", schema.Int64: "int64Column", schema.Float64: "float64Column",
				schema.LocalDate: "dateColumn", schema.Instant: "timeColumn"}[f.Rule.Storage()]
			if f.Rule.Nullable() {
				kind = "optionalStringColumn"
			}
			p("\t\t\t{%q, %s(func(p events.Payload) %s { return p.(events.%sPayload).%s })},\n",
				f.ColumnName(), kind, batchGoType(f), t.Go, f.Go)
		}
		p("\t\t}\n")
	}
	p("\t}\n\treturn nil\n}\n")
	return b.Bytes()
}

func batchGoType(f schema.Field) string {
	t := goType(f)
	if t == "Date" {
		return "events.Date"
	}
	return t
}

func hasTimestamps(types []schema.Type) bool {
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Rule == schema.Timestamp {
				return true
			}
		}
	}
	return false
}
