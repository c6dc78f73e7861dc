package events

import "math"

// The rules across the fields of a payload, which the field table (events/schema) marks with
// Check. The decoder calls a type's check once every field has been read without a rejection.

func (x AdminUnitRegisteredPayload) check(p *fields) {
	switch {
	case x.Level == "province" && x.ParentCode != "":
		p.fail(BadValue, "parent_code", "must be null for the province")
	case x.Level != "province" && x.ParentCode == "":
		p.fail(MissingField, "parent_code", "is required for a %s (null only for the province)", x.Level)
	}
}

// ShareTolerance is how far the shares of one split may sum from 1: shares such as thirds have
// no exact binary form, so their sum misses 1 by a rounding error.
const ShareTolerance = 1e-9

func (x AdminUnitSplitPayload) check(p *fields) {
	sum := 0.0
	for i, part := range x.Into {
		for j := range i {
			if x.Into[j].Code == part.Code {
				p.fail(BadValue, elemPath("into", i)+".code", "repeats payload.into[%d].code %q: each receiving unit takes one part", j, part.Code)
				return
			}
		}
		sum += part.Share
	}
	if math.Abs(sum-1) > ShareTolerance {
		p.fail(BadValue, "into", "must have shares that sum to 1 (within 1e-9), got %v", sum)
	}
}

func (x DossierCompletedPayload) check(p *fields) {
	if x.CompletedAt.Before(x.ReceivedAt) {
		p.fail(BadValue, "completed_at", "must not be before payload.received_at")
	}
}

func (x CriterionAssessedPayload) check(p *fields) {
	if !validIndicator(x.Criterion, x.Indicator) {
		p.fail(BadValue, "indicator", "must start with the criterion %q and a dot, like \"%s.1\", got %q", x.Criterion, x.Criterion, clip(x.Indicator))
	}
}

func (x SurveyConductedPayload) check(p *fields) {
	if x.ClosedOn < x.OpenedOn {
		p.fail(BadValue, "closed_on", "must not be before payload.opened_on")
	}
}

func (x HouseholdSurveyRecordedPayload) check(p *fields) {
	if x.WithSmartphone > x.Households {
		p.fail(BadValue, "with_smartphone", "must not exceed payload.households (%d), got %d", x.Households, x.WithSmartphone)
	}
	if x.WithFixedBroadband > x.Households {
		p.fail(BadValue, "with_fixed_broadband", "must not exceed payload.households (%d), got %d", x.Households, x.WithFixedBroadband)
	}
}
