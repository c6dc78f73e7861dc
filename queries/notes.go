package queries

import (
	"context"
	"database/sql"
	"time"
)

// Note is a sentence a person reading a period's indicators must know, in Vietnamese and
// English. ID names it for pages that mark it up ("scope-note", "nodata-note").
type Note struct {
	ID, VI, EN string
}

// String is the note in both languages, for outputs that show one text: "VI / EN".
func (n Note) String() string { return n.VI + " / " + n.EN }

// Notes are the notes of the period's indicators, for every human-facing output (the tables of
// ntm indicators and ntm quality, the dashboard, the API): that the warehouse holds no event dated
// in the period, and that the district level was abolished by its end.
func Notes(ctx context.Context, db *sql.DB, p Period, knownAt *time.Time) ([]Note, error) {
	var out []Note
	has, err := PeriodHasEvents(ctx, db, p, knownAt)
	if err != nil {
		return nil, err
	}
	if !has {
		out = append(out, NoDataNote(p))
	}
	since, ok, err := DistrictsAbolished(ctx, db, p, knownAt)
	if err != nil {
		return nil, err
	}
	if ok {
		out = append(out, AbolitionNote(since))
	}
	return out, nil
}

// AbolitionNote is the note for a period that ends after the district level was dissolved on
// since.
func AbolitionNote(since time.Time) Note {
	d := since.Format(time.DateOnly)
	return Note{ID: "scope-note",
		VI: "Cấp huyện không còn từ " + d + " (chính quyền địa phương hai cấp): các chỉ tiêu cấp huyện để trống, phạm vi là các xã, phường trực thuộc tỉnh.",
		EN: "The district level was abolished on " + d + " (two-level local government): district-level indicators are empty, and the scopes are the communes directly under the province."}
}

// NoDataNote is the note for a period in which the warehouse holds no event.
func NoDataNote(p Period) Note {
	return Note{ID: "nodata-note",
		VI: "Kho không có sự kiện nào trong kỳ " + p.Label + " (ngoài danh mục đơn vị hành chính): các số 0 và ô trống là thiếu dữ liệu, không phải kết quả đo được; các giá trị khác có từ các kỳ trước.",
		EN: "The warehouse holds no event dated in " + p.Label + " (besides the register of administrative units): its zeros and blanks mean no data, not a measured result; other values stand from earlier periods."}
}
