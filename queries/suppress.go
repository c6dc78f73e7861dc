package queries

// MinResponses is the privacy rule of DOMAIN.md: an aggregate of survey responses over fewer
// respondents is not published, since a few answers can be traced to the people who gave them.
const MinResponses = 10

// SmallCell reports whether a row is an aggregate over fewer than MinResponses survey
// responses (and at least one): every published surface (the open data, the API, the
// dashboard, the ministry's report) shows it as suppressed, with neither its value nor its
// counts. A row over no responses has no value anyway.
func SmallCell(r Row) bool {
	n, ok := r.Denominator.Int64()
	return r.IndicatorID == "soc.satisfaction_rate" && ok && n > 0 && n < MinResponses
}
