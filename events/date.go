package events

import (
	"fmt"
	"time"
)

// LocalOffset is the offset of the domain's local time, Asia/Ho_Chi_Minh (UTC+07:00, no daylight
// saving). Every business date and period is a local calendar date.
const LocalOffset = 7 * time.Hour

// Local is the domain's local time zone as a fixed zone.
func Local() *time.Location { return time.FixedZone("ICT", int(LocalOffset/time.Second)) }

// Date is a local calendar date, counted in days since 1970-01-01 (the representation of Arrow's
// and Parquet's date32).
type Date int32

// DateOf returns the local (UTC+07:00) date of the instant t.
func DateOf(t time.Time) Date {
	secs := t.Unix() + int64(LocalOffset/time.Second)
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	return Date(days)
}

// NewDate returns the date y-m-d. It does not check that the day exists.
func NewDate(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDate parses a strict YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	d, ok := parseDate([]byte(s))
	if !ok {
		return 0, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	return d, nil
}

func (d Date) year() int {
	y, _, _ := d.Civil()
	return y
}

// Civil returns the date's year, month and day.
func (d Date) Civil() (int, time.Month, int) {
	y, m, day := civil(int64(d))
	return y, time.Month(m), day
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm),
// without the allocation-free but slower detour through time.Time.
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// appendTimestamp appends t as RFC 3339 in its own offset ("Z" when the offset is zero), with
// a fraction only when t has one: the same text time.RFC3339Nano gives, several times faster.
func appendTimestamp(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	secs := t.Unix() + int64(off)
	days := secs / 86400
	rem := secs % 86400
	if rem < 0 {
		rem += 86400
		days--
	}
	b = Date(days).AppendFormat(b)
	hh, mm, ss := rem/3600, rem/60%60, rem%60
	b = append(b, 'T', byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':', byte('0'+ss/10), byte('0'+ss%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	if off == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	oh, om := off/3600, off/60%60
	return append(b, sign, byte('0'+oh/10), byte('0'+oh%10), ':', byte('0'+om/10), byte('0'+om%10))
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%04d-%02d-%02d", y, m, day)
}

// AppendFormat appends YYYY-MM-DD to b.
func (d Date) AppendFormat(b []byte) []byte {
	y, m, day := d.Civil()
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y int, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func parseYMD(b []byte) (y, m, d int, ok bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func parseDate(b []byte) (Date, bool) {
	y, m, d, ok := parseYMD(b)
	if !ok {
		return 0, false
	}
	return NewDate(y, time.Month(m), d), true
}

// parseTimestamp parses a strict RFC 3339 timestamp: YYYY-MM-DDTHH:MM:SS, an optional fraction
// of 1 to 9 digits, and Z or ±HH:MM, with upper-case T and Z. It returns the instant in UTC.
func parseTimestamp(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y, m, d, ok := parseYMD(b[:10])
	if !ok {
		return time.Time{}, false
	}
	hh, ok1 := digits(b[11:13])
	mm, ok2 := digits(b[14:16])
	ss, ok3 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	i, nanos := 19, 0
	if b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		n := i - start
		if n == 0 || n > 9 {
			return time.Time{}, false
		}
		nanos, _ = digits(b[start:i])
		for range 9 - n {
			nanos *= 10
		}
	}
	offset := 0
	switch rest := b[i:]; {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, nanos, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}
