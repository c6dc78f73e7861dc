package queries

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/thanhhoa-ntm/ntm/queries/render"
)

// Section is one part of the data-quality report: a titled table.
type Section struct {
	Name    string // machine name: unknown_units, corrections, late_events, silent_units, dead_letters
	Title   string // Vietnamese / English
	Columns []string
	Rows    [][]any
}

var qualitySections = []struct {
	name, title, query string
	knownAt            bool
}{
	{"unknown_units", "Sự kiện về đơn vị chưa đăng ký / events naming units not registered at their date (counted in no scope)",
		"SELECT * FROM quality_unknown_units(CAST(? AS DATE), CAST(? AS DATE), CAST(? AS TIMESTAMPTZ))", true},
	{"corrections", "Đính chính mồ côi hoặc khác loại / orphan and cross-type corrections (counted as plain events)",
		"SELECT * FROM quality_corrections(CAST(? AS DATE), CAST(? AS DATE), CAST(? AS TIMESTAMPTZ))", true},
	{"late_events", "Sự kiện ghi nhận muộn (> 30 ngày) / events recorded more than 30 days after they occurred",
		"SELECT * FROM quality_late(CAST(? AS DATE), CAST(? AS DATE), CAST(? AS TIMESTAMPTZ))", true},
	{"silent_units", "Đơn vị không báo cáo trong kỳ / communes and districts that reported nothing in the period",
		"SELECT * FROM quality_silent_units(CAST(? AS DATE), CAST(? AS DATE), CAST(? AS TIMESTAMPTZ))", true},
	{"dead_letters", "Sự kiện bị từ chối theo lý do và nguồn (mọi kỳ) / dead letters by reason and origin (all periods)",
		"SELECT * FROM quality_dead_letters(CAST(? AS TIMESTAMPTZ))", false},
}

// Quality is the data-quality report of a period.
func Quality(ctx context.Context, db *sql.DB, p Period, knownAt *time.Time) ([]Section, error) {
	var at any
	if knownAt != nil {
		at = knownAt.UTC()
	}
	var out []Section
	for _, q := range qualitySections {
		args := []any{at}
		if q.knownAt {
			args = []any{p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), at}
		}
		rows, err := db.QueryContext(ctx, q.query, args...)
		if err != nil {
			return nil, fmt.Errorf("quality %s: %w", q.name, err)
		}
		res, _, err := render.Read(rows, 0)
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("quality %s: %w", q.name, err)
		}
		s := Section{Name: q.name, Title: q.title, Columns: res.Columns, Rows: res.Rows}
		out = append(out, s)
	}
	return out, nil
}
