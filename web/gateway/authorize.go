package gateway

import (
	"context"
	"fmt"
	"strings"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events"
)

// Lookup tells the gateway what the warehouse already holds, for the checks that depend on it:
// whose event a correction or a retraction targets, and which unit owns an entity.
type Lookup interface {
	// Events returns the stored events among ids, by id.
	Events(ctx context.Context, ids []string) (map[string]Target, error)
	// Owners returns, for the ids of an entity kind (events.Entity.Kind), the unit whose event
	// registered each one first; an id never registered is absent.
	Owners(ctx context.Context, kind string, ids []string) (map[string]string, error)
}

// Target is a stored event that a correction or a retraction may name.
type Target struct {
	UnitCode string
	Type     string
}

// authorizer judges what one request's events change, in the order of their lines, against
// the principal's scope. It knows what the warehouse held when the request arrived and what
// the request's earlier lines add: a line may correct, or act on an entity registered by, an
// earlier line of the same request.
type authorizer struct {
	p       auth.Principal
	inScope func(scope, unit string) bool
	events  map[string]Target
	owners  map[string]map[string]string // kind → id → unit
}

// newAuthorizer looks up, in one query per kind, everything the candidates' checks need.
func newAuthorizer(ctx context.Context, lookup Lookup, p auth.Principal, inScope func(string, string) bool, cands []*candidate) (*authorizer, error) {
	a := &authorizer{p: p, inScope: inScope, events: map[string]Target{}, owners: map[string]map[string]string{}}
	if p.Role == auth.RoleAdmin {
		return a, nil
	}
	var targets []string
	ids := map[string][]string{}
	for _, c := range cands {
		if c.ev.Corrects != "" {
			targets = append(targets, c.ev.Corrects)
		}
		if r, ok := c.ev.Payload.(events.EventRetractedPayload); ok {
			targets = append(targets, r.EventID)
		}
		if e, ok := events.EntityOf(c.ev.Payload); ok {
			ids[e.Kind] = append(ids[e.Kind], e.ID)
		}
	}
	if lookup == nil {
		return a, nil
	}
	if len(targets) > 0 {
		found, err := lookup.Events(ctx, targets)
		if err != nil {
			return nil, err
		}
		a.events = found
	}
	for kind, list := range ids {
		found, err := lookup.Owners(ctx, kind, list)
		if err != nil {
			return nil, err
		}
		a.owners[kind] = found
	}
	return a, nil
}

// refusal is why a line is refused: its reason, field and message.
type refusal struct {
	reason  events.Reason
	field   string
	message string
}

func forbid(field, format string, args ...any) *refusal {
	return &refusal{reason: events.Forbidden, field: field, message: fmt.Sprintf(format, args...)}
}

// judge returns why the event may not be sent with the principal's token, or nil; an event it
// lets through is remembered for the lines after it.
func (a *authorizer) judge(ev *events.Event) *refusal {
	if a.p.Role == auth.RoleAdmin {
		return nil
	}
	if r := a.check(ev); r != nil {
		return r
	}
	a.events[ev.ID] = Target{UnitCode: ev.UnitCode, Type: ev.Type.String()}
	if e, ok := events.EntityOf(ev.Payload); ok && e.Registers {
		if a.owners[e.Kind] == nil {
			a.owners[e.Kind] = map[string]string{}
		}
		if _, owned := a.owners[e.Kind][e.ID]; !owned {
			a.owners[e.Kind][e.ID] = ev.UnitCode
		}
	}
	return nil
}

func administrative(typ string) bool { return strings.HasPrefix(typ, "admin_unit.") }

func (a *authorizer) check(ev *events.Event) *refusal {
	p, typ := a.p, ev.Type.String()
	switch {
	case p.Role == auth.RoleReporter && administrative(typ):
		return forbid("event_type", "token %q is a reporter's: administrative events (%s) come only from a registry token (role registry, the Department of Home Affairs)", p.Name, typ)
	case p.Role == auth.RoleRegistry && !administrative(typ) && ev.Type != events.EventRetracted:
		return forbid("event_type", "token %q is a registry's: it sends administrative events (admin_unit.*) and their retractions only, not %s", p.Name, typ)
	}
	if !a.inScope(p.Unit, ev.UnitCode) {
		return &refusal{reason: ForbiddenUnit, field: "unit_code",
			message: fmt.Sprintf("unit_code %s is not unit %s or a unit below it, the only units token %q may send events for", ev.UnitCode, p.Unit, p.Name)}
	}
	var outside *refusal
	events.UnitCodes(ev.Payload, func(field, code string) {
		if outside == nil && !a.inScope(p.Unit, code) {
			outside = forbid("payload."+field, "payload.%s names unit %s, which is not unit %s or below it, the scope of token %q", field, code, p.Unit, p.Name)
		}
	})
	if outside != nil {
		return outside
	}
	if ev.Corrects != "" {
		if r := a.target("corrects", ev.Corrects); r != nil {
			return r
		}
	}
	if r, ok := ev.Payload.(events.EventRetractedPayload); ok {
		if r := a.target("payload.event_id", r.EventID); r != nil {
			return r
		}
	}
	if e, ok := events.EntityOf(ev.Payload); ok {
		owner, owned := a.owners[e.Kind][e.ID]
		switch {
		case e.Registers && owned && !a.inScope(p.Unit, owner):
			return forbid("payload."+e.Field, "%s %s is registered already, by unit %s, outside the scope of token %q: an id belongs to the unit that registered it first", e.Kind, e.ID, owner, p.Name)
		case !e.Registers && !owned:
			return forbid("payload."+e.Field, "%s %s is not registered in the warehouse: a gateway token acts only on entities registered in its scope, so send the registration first", e.Kind, e.ID)
		case !e.Registers && !a.inScope(p.Unit, owner):
			return forbid("payload."+e.Field, "%s %s belongs to unit %s, outside the scope of token %q", e.Kind, e.ID, owner, p.Name)
		}
	}
	return nil
}

// target judges a correction's or a retraction's target: stored (or sent earlier in the
// request), of a unit in scope, and not an administrative event unless the token is a registry.
// A target not yet stored is refused rather than held: the gateway cannot know whose it will
// be, and the sender can send the line again once the target is stored.
func (a *authorizer) target(field, id string) *refusal {
	t, ok := a.events[id]
	switch {
	case !ok:
		return forbid(field, "%s names event %s, which is not in the warehouse (yet): a gateway token may correct or retract only stored events of its scope; send this line again once that event is stored", field, id)
	case !a.inScope(a.p.Unit, t.UnitCode):
		return forbid(field, "%s names event %s of unit %s, which is not unit %s or below it, the scope of token %q", field, id, t.UnitCode, a.p.Unit, a.p.Name)
	case administrative(t.Type) && a.p.Role != auth.RoleRegistry:
		return forbid(field, "%s names the administrative event %s (%s): only a registry token may correct or retract one", field, id, t.Type)
	case !administrative(t.Type) && a.p.Role == auth.RoleRegistry:
		return forbid(field, "%s names event %s (%s): a registry token corrects or retracts administrative events only", field, id, t.Type)
	}
	return nil
}
