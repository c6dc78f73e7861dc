package events_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/events"
)

func TestVerdictHeaders(t *testing.T) {
	long := bytes.Repeat([]byte("x"), events.MaxEventSize+10)
	tests := []struct {
		name    string
		headers []events.Header // nil: those of in
		in      events.Verdict
		ok      bool
		want    events.Verdict
	}{
		{name: "a round trip", ok: true,
			in: events.Verdict{Rejection: events.Rejection{Reason: events.ForbiddenUnit, Field: "unit_code", Message: "m"},
				EventID: "e1", EventType: "survey.response", Raw: []byte(`{"a":1}`), Origin: events.GatewayOrigin("xa", "15814"), Line: 7},
			want: events.Verdict{Rejection: events.Rejection{Reason: events.ForbiddenUnit, Field: "unit_code", Message: "m"},
				EventID: "e1", EventType: "survey.response", Raw: []byte(`{"a":1}`), Origin: "gateway:xa@15814", Line: 7}},
		{name: "a line over the limit keeps its first MiB, and says so", ok: true,
			in: events.Verdict{Rejection: events.Rejection{Reason: events.TooLarge, Message: "too large"}, Raw: long, Origin: events.GatewayOrigin("admin", ""), Line: 1},
			want: events.Verdict{Rejection: events.Rejection{Reason: events.TooLarge,
				Message: "too large (the dead letter keeps the first 1048576 of the line's 1048586 bytes)"}, Raw: long[:events.MaxEventSize], Origin: "gateway:admin", Line: 1}},
		{name: "no reason header: no verdict", headers: []events.Header{{Key: events.HeaderMessage, Value: []byte("m")}}},
		{name: "no headers: no verdict", headers: []events.Header{}},
		{name: "a reason of no one's is forbidden", ok: true,
			headers: []events.Header{{Key: events.HeaderReason, Value: []byte("accepted")}},
			want: events.Verdict{Rejection: events.Rejection{Reason: events.Forbidden,
				Message: `the record carries a gateway verdict of unknown reason "accepted": `}, Raw: []byte{}}},
		{name: "a reason alone gets a message and empty bytes", ok: true,
			headers: []events.Header{{Key: events.HeaderReason, Value: []byte("not_json")}},
			want:    events.Verdict{Rejection: events.Rejection{Reason: events.NotJSON, Message: "rejected by the event gateway (not_json)"}, Raw: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := tt.headers
			if hs == nil {
				hs = tt.in.Headers()
			}
			got, ok := events.VerdictOf(hs)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
