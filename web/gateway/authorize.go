package gateway

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/thanhhoa-ntm/ntm/auth"
	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/events/refdata"
)

// knownUnit reports whether code is a unit of the hierarchy: the province, a unit with a parent,
// or a village of such a commune.
func knownUnit(h *auth.Hierarchy, code string) bool {
	if code == refdata.ProvinceCode {
		return true
	}
	if len(code) == 9 && code[5] == '-' {
		code = code[:5]
	}
	return len(h.Parents(code)) > 0
}

// Lookup tells the gateway what the warehouse already holds, for the checks that depend on it:
// whether an event_id is stored and with what content, whose event a correction or a
// retraction targets, and which unit owns an entity.
type Lookup interface {
	// Hashes returns the content hash (events_log.content_hash, events.Judge.Hash) of the
	// stored events among ids, by id: it tells a duplicate from a conflict.
	Hashes(ctx context.Context, ids []string) (map[string]uint64, error)
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
	known   func(code string) bool // nil: every code is a unit
	events  map[string]Target
	owners  map[string]map[string]string // kind → id → unit
	// stored are the content hashes of the events the warehouse holds under the candidates'
	// event_ids, as the request arrived.
	stored map[string]uint64
}

// newAuthorizer looks up, in one query per kind, everything the candidates' checks need, and
// the stored events of the candidates' ids (for every role: an admin's duplicate is one too).
func newAuthorizer(ctx context.Context, lookup Lookup, p auth.Principal, inScope func(string, string) bool, known func(string) bool, cands []*candidate) (*authorizer, error) {
	a := &authorizer{p: p, inScope: inScope, known: known, events: map[string]Target{}, owners: map[string]map[string]string{}, stored: map[string]uint64{}}
	if lookup == nil || len(cands) == 0 {
		return a, nil
	}
	all := make([]string, len(cands))
	for i, c := range cands {
		all[i] = c.ev.ID
	}
	stored, err := lookup.Hashes(ctx, all)
	if err != nil {
		return nil, err
	}
	maps.Copy(a.stored, stored)
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
	if len(targets) > 0 {
		found, err := lookup.Events(ctx, targets)
		if err != nil {
			return nil, err
		}
		maps.Copy(a.events, found)
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

// refusal is why a line is refused: its reason, field and message, in English and Vietnamese.
type refusal struct {
	reason    events.Reason
	field     string
	message   string
	messageVI string
}

// forbid is a refusal of reason forbidden; en and vi are the message's format in English and
// in Vietnamese, with the same arguments.
func forbid(field, en, vi string, args ...any) *refusal {
	return &refusal{reason: events.Forbidden, field: field, message: fmt.Sprintf(en, args...), messageVI: fmt.Sprintf(vi, args...)}
}

// judge returns why the event may not be sent with the principal's token, or nil. An event
// the request goes on to send is then remembered for the lines after it (remember).
func (a *authorizer) judge(ev *events.Event) *refusal {
	if a.p.Role == auth.RoleAdmin {
		return nil
	}
	return a.check(ev)
}

// remember records an event the request sends, for the checks of the lines after it: a later
// line may correct it, or act on the entity it registers.
func (a *authorizer) remember(ev *events.Event) {
	if a.p.Role == auth.RoleAdmin {
		return
	}
	if _, ok := a.events[ev.ID]; ok {
		return // stored, or sent earlier in the request: the first stands
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
}

func administrative(typ string) bool { return strings.HasPrefix(typ, "admin_unit.") }

func (a *authorizer) check(ev *events.Event) *refusal {
	p, typ := a.p, ev.Type.String()
	switch {
	case p.Role == auth.RoleReporter && administrative(typ):
		return forbid("event_type", "token %q is a reporter's: administrative events (%s) come only from a registry token (role registry, the Department of Home Affairs)",
			"mã truy cập %q là của đơn vị báo cáo: sự kiện hành chính (%s) chỉ được gửi bằng mã truy cập của Sở Nội vụ (vai trò registry)", p.Name, typ)
	case p.Role == auth.RoleRegistry && !administrative(typ) && ev.Type != events.EventRetracted:
		return forbid("event_type", "token %q is a registry's: it sends administrative events (admin_unit.*) and their retractions only, not %s",
			"mã truy cập %q là của Sở Nội vụ: chỉ gửi sự kiện hành chính (admin_unit.*) và việc thu hồi chúng, không gửi %s", p.Name, typ)
	}
	if !a.inScope(p.Unit, ev.UnitCode) {
		if p.Role == auth.RoleReporter && a.known != nil && !a.known(ev.UnitCode) {
			return &refusal{reason: UnknownUnit, field: "unit_code",
				message: fmt.Sprintf("unit_code %s is not a unit of the province of Thanh Hóa (%s) on %s, the event's date: the reference data knows no unit of this code; check the code (token %q sends for unit %s and the units below it)",
					ev.UnitCode, refdata.ProvinceCode, ev.BusinessDate, p.Name, p.Unit),
				messageVI: fmt.Sprintf("mã đơn vị %s không phải là đơn vị hành chính của tỉnh Thanh Hóa (%s) vào ngày %s, ngày của sự kiện: danh mục đơn vị không có mã này; hãy kiểm tra lại mã (mã truy cập %q gửi cho đơn vị %s và các đơn vị trực thuộc)",
					ev.UnitCode, refdata.ProvinceCode, ev.BusinessDate, p.Name, p.Unit)}
		}
		return &refusal{reason: ForbiddenUnit, field: "unit_code",
			message:   fmt.Sprintf("unit_code %s is not unit %s or a unit below it, the only units token %q may send events for", ev.UnitCode, p.Unit, p.Name),
			messageVI: fmt.Sprintf("đơn vị %s không phải là đơn vị %s hay đơn vị trực thuộc; mã truy cập %q chỉ được gửi sự kiện cho các đơn vị đó", ev.UnitCode, p.Unit, p.Name)}
	}
	var outside *refusal
	events.UnitCodes(ev.Payload, func(field, code string) {
		if outside == nil && !a.inScope(p.Unit, code) {
			outside = forbid("payload."+field, "payload.%s names unit %s, which is not unit %s or below it, the scope of token %q",
				"payload.%s nêu đơn vị %s, không phải đơn vị %s hay đơn vị trực thuộc, phạm vi của mã truy cập %q", field, code, p.Unit, p.Name)
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
			return forbid("payload."+e.Field, "%s %s is registered already, by unit %s, outside the scope of token %q: an id belongs to the unit that registered it first",
				"%s %s đã được đơn vị %s đăng ký, ngoài phạm vi của mã truy cập %q: một mã thuộc về đơn vị đăng ký nó đầu tiên", e.Kind, e.ID, owner, p.Name)
		case !e.Registers && !owned:
			return forbid("payload."+e.Field, "%s %s is not registered in the warehouse: a gateway token acts only on entities registered in its scope, so send the registration first",
				"%s %s chưa được đăng ký trong kho dữ liệu: mã truy cập chỉ tác động đến đối tượng đã đăng ký trong phạm vi của mình, hãy gửi sự kiện đăng ký trước", e.Kind, e.ID)
		case !e.Registers && !a.inScope(p.Unit, owner):
			return forbid("payload."+e.Field, "%s %s belongs to unit %s, outside the scope of token %q",
				"%s %s thuộc đơn vị %s, ngoài phạm vi của mã truy cập %q", e.Kind, e.ID, owner, p.Name)
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
		return forbid(field, "%s names event %s, which is not in the warehouse (yet): a gateway token may correct or retract only stored events of its scope; send this line again once that event is stored",
			"%s nêu sự kiện %s, chưa có trong kho dữ liệu: mã truy cập chỉ được sửa hoặc thu hồi sự kiện đã lưu trong phạm vi của mình; hãy gửi lại dòng này khi sự kiện đó đã được lưu", field, id)
	case !a.inScope(a.p.Unit, t.UnitCode):
		return forbid(field, "%s names event %s of unit %s, which is not unit %s or below it, the scope of token %q",
			"%s nêu sự kiện %s của đơn vị %s, không phải đơn vị %s hay đơn vị trực thuộc, phạm vi của mã truy cập %q", field, id, t.UnitCode, a.p.Unit, a.p.Name)
	case administrative(t.Type) && a.p.Role != auth.RoleRegistry:
		return forbid(field, "%s names the administrative event %s (%s): only a registry token may correct or retract one",
			"%s nêu sự kiện hành chính %s (%s): chỉ mã truy cập của Sở Nội vụ được sửa hoặc thu hồi", field, id, t.Type)
	case !administrative(t.Type) && a.p.Role == auth.RoleRegistry:
		return forbid(field, "%s names event %s (%s): a registry token corrects or retracts administrative events only",
			"%s nêu sự kiện %s (%s): mã truy cập của Sở Nội vụ chỉ sửa hoặc thu hồi sự kiện hành chính", field, id, t.Type)
	}
	return nil
}
