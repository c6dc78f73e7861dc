// Package batch turns decoded events and rejected input into Arrow record batches in the
// warehouse tables' schemas, ready for Parquet.
package batch

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table"

	"github.com/thanhhoa-ntm/ntm/events"
	"github.com/thanhhoa-ntm/ntm/warehouse"
)

// Origin is where a record came from in Kafka.
type Origin struct {
	Topic     string
	Partition int32
	Offset    int64
}

// ArrowSchema is the Arrow schema of a warehouse table, with the field IDs of the table's own
// schema that the Parquet files must carry.
func ArrowSchema(t *table.Table) (*arrow.Schema, error) {
	return table.SchemaToArrowSchema(t.Schema(), nil, true, false)
}

// Events builds the rows of one event type: the envelope, the type's payload columns and the
// ingest columns of the events_log schema (warehouse.TypeColumns), with the table's field IDs.
// The other payload columns are left out of the file; Iceberg readers read them as null.
type Events struct {
	typ     events.Type
	schema  *arrow.Schema
	b       *array.RecordBuilder
	ingest  int // index of ingested_at, filled at Build
	rows    int
	bytes   int64
	env     envelope
	payload func(p events.Payload)
}

type envelope struct {
	id, typ, source, srcUnit, srcSystem, unit, corrects, payload, topic *array.StringBuilder
	version, partition                                                  *array.Int32Builder
	occurred, recorded                                                  *array.TimestampBuilder
	date                                                                *array.Date32Builder
	hash, offset                                                        *array.Int64Builder
}

// NewEvents makes a builder for one event type; table is the Arrow schema of the whole table.
func NewEvents(mem memory.Allocator, table *arrow.Schema, typ events.Type) *Events {
	var fields []arrow.Field
	for _, c := range warehouse.TypeColumns(typ.String()) {
		idx := table.FieldIndices(c.Name)
		if len(idx) != 1 {
			panic(fmt.Sprintf("batch: events_log schema has no column %q", c.Name))
		}
		fields = append(fields, table.Field(idx[0]))
	}
	schema := arrow.NewSchema(fields, nil)
	e := &Events{typ: typ, schema: schema, b: array.NewRecordBuilder(mem, schema)}
	str := func(name string) *array.StringBuilder { return e.field(name).(*array.StringBuilder) }
	e.env = envelope{
		id: str("event_id"), typ: str("event_type"), source: str("source_level"), srcUnit: str("source_unit_code"),
		srcSystem: str("source_system"), unit: str("unit_code"), corrects: str("corrects"), payload: str("payload"),
		topic:     str("kafka_topic"),
		version:   e.field("schema_version").(*array.Int32Builder),
		partition: e.field("kafka_partition").(*array.Int32Builder),
		occurred:  e.field("occurred_at").(*array.TimestampBuilder),
		recorded:  e.field("recorded_at").(*array.TimestampBuilder),
		date:      e.field("business_date").(*array.Date32Builder),
		hash:      e.field("content_hash").(*array.Int64Builder),
		offset:    e.field("kafka_offset").(*array.Int64Builder),
	}
	e.ingest = e.index("ingested_at")
	e.payload = payloadAppender(e, typ)
	return e
}

func (e *Events) index(name string) int {
	idx := e.schema.FieldIndices(name)
	if len(idx) != 1 {
		panic(fmt.Sprintf("batch: events_log schema has no column %q", name))
	}
	return idx[0]
}

// field returns the builder of a column.
func (e *Events) field(name string) array.Builder { return e.b.Field(e.index(name)) }

// Len is the number of rows appended since the last Build.
func (e *Events) Len() int { return e.rows }

// Bytes estimates the memory the appended rows hold: the raw size of their events.
func (e *Events) Bytes() int64 { return e.bytes }

// Append adds one accepted event. hash is its content hash.
func (e *Events) Append(ev *events.Event, hash uint64, o Origin) {
	v := &e.env
	v.id.Append(ev.ID)
	v.typ.Append(ev.Type.String())
	v.version.Append(int32(ev.SchemaVersion))
	v.occurred.Append(arrow.Timestamp(ev.OccurredAt.UnixMicro()))
	v.recorded.Append(arrow.Timestamp(ev.RecordedAt.UnixMicro()))
	v.date.Append(arrow.Date32(ev.BusinessDate))
	v.source.Append(ev.Source.Level)
	v.srcUnit.Append(ev.Source.UnitCode)
	v.srcSystem.Append(ev.Source.System)
	v.unit.Append(ev.UnitCode)
	if ev.Corrects != "" {
		v.corrects.Append(ev.Corrects)
	} else {
		v.corrects.AppendNull()
	}
	v.payload.BinaryBuilder.Append(ev.RawPayload)
	v.hash.Append(int64(hash))
	v.topic.Append(o.Topic)
	v.partition.Append(o.Partition)
	v.offset.Append(o.Offset)
	e.payload(ev.Payload)
	e.rows++
	e.bytes += int64(len(ev.Raw)) + 64
}

// Build returns the appended rows as a record (nil when there are none) and resets the builder.
// ingestedAt stamps every row.
func (e *Events) Build(ingestedAt time.Time) arrow.RecordBatch {
	if e.rows == 0 {
		return nil
	}
	ts := e.b.Field(e.ingest).(*array.TimestampBuilder)
	at := arrow.Timestamp(ingestedAt.UnixMicro())
	for range e.rows {
		ts.Append(at)
	}
	rec := e.b.NewRecordBatch()
	e.rows, e.bytes = 0, 0
	return rec
}

// Release frees the builder.
func (e *Events) Release() { e.b.Release() }

func appendDate(b *array.Date32Builder, d events.Date) { b.Append(arrow.Date32(d)) }

func appendTime(b *array.TimestampBuilder, t time.Time) { b.Append(arrow.Timestamp(t.UnixMicro())) }

func appendList(b *array.ListBuilder, vs []string) {
	b.Append(true)
	vb := b.ValueBuilder().(*array.StringBuilder)
	for _, v := range vs {
		vb.Append(v)
	}
}

func appendOptional(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

// payloadAppender returns the function that appends a payload of typ to its typed columns.
func payloadAppender(e *Events, typ events.Type) func(events.Payload) {
	s := func(name string) *array.StringBuilder { return e.field(name).(*array.StringBuilder) }
	i64 := func(name string) *array.Int64Builder { return e.field(name).(*array.Int64Builder) }
	f64 := func(name string) *array.Float64Builder { return e.field(name).(*array.Float64Builder) }
	bl := func(name string) *array.BooleanBuilder { return e.field(name).(*array.BooleanBuilder) }
	dt := func(name string) *array.Date32Builder { return e.field(name).(*array.Date32Builder) }
	ts := func(name string) *array.TimestampBuilder { return e.field(name).(*array.TimestampBuilder) }
	ls := func(name string) *array.ListBuilder { return e.field(name).(*array.ListBuilder) }

	switch typ {
	case events.AdminUnitRegistered:
		code, name, level, kind, parent, flags := s("code"), s("name"), s("level"), s("kind"), s("parent_code"), ls("flags")
		return func(p events.Payload) {
			x := p.(events.AdminUnitRegisteredPayload)
			code.Append(x.Code)
			name.Append(x.Name)
			level.Append(x.Level)
			kind.Append(x.Kind)
			appendOptional(parent, x.ParentCode)
			appendList(flags, x.Flags)
		}
	case events.AdminUnitRenamed:
		code, newName := s("code"), s("new_name")
		return func(p events.Payload) {
			x := p.(events.AdminUnitRenamedPayload)
			code.Append(x.Code)
			newName.Append(x.NewName)
		}
	case events.AdminUnitMerged:
		from, into, name, kind, parent := ls("from_codes"), s("into_code"), s("into_name"), s("into_kind"), s("parent_code")
		return func(p events.Payload) {
			x := p.(events.AdminUnitMergedPayload)
			appendList(from, x.FromCodes)
			into.Append(x.IntoCode)
			name.Append(x.IntoName)
			kind.Append(x.IntoKind)
			appendOptional(parent, x.ParentCode)
		}
	case events.DossierCompleted:
		id, level, online, recv, done := s("dossier_id"), s("level"), bl("processed_online"), ts("received_at"), ts("completed_at")
		return func(p events.Payload) {
			x := p.(events.DossierCompletedPayload)
			id.Append(x.DossierID)
			level.Append(x.Level)
			online.Append(x.ProcessedOnline)
			appendTime(recv, x.ReceivedAt)
			appendTime(done, x.CompletedAt)
		}
	case events.CriterionAssessed:
		set, crit, ind, met, on, ref := s("criteria_set"), s("criterion"), s("indicator"), bl("met"), dt("assessed_on"), s("decision_ref")
		return func(p events.Payload) {
			x := p.(events.CriterionAssessedPayload)
			set.Append(x.CriteriaSet)
			crit.Append(x.Criterion)
			ind.Append(x.Indicator)
			met.Append(x.Met)
			appendDate(on, x.AssessedOn)
			appendOptional(ref, x.DecisionRef)
		}
	case events.ManagerRegistered:
		person, role, level := s("person_ref"), s("role"), s("level")
		return func(p events.Payload) {
			x := p.(events.ManagerRegisteredPayload)
			person.Append(x.PersonRef)
			role.Append(x.Role)
			level.Append(x.Level)
		}
	case events.ManagerDeparted:
		person := s("person_ref")
		return func(p events.Payload) { person.Append(p.(events.ManagerDepartedPayload).PersonRef) }
	case events.TrainingCompleted:
		person, course, topic, hours, on := s("person_ref"), s("course_code"), s("topic"), f64("hours"), dt("completed_on")
		return func(p events.Payload) {
			x := p.(events.TrainingCompletedPayload)
			person.Append(x.PersonRef)
			course.Append(x.CourseCode)
			topic.Append(x.Topic)
			hours.Append(x.Hours)
			appendDate(on, x.CompletedOn)
		}
	case events.CooperativeRegistered:
		id, name, sector := s("coop_id"), s("name"), s("sector")
		return func(p events.Payload) {
			x := p.(events.CooperativeRegisteredPayload)
			id.Append(x.CoopID)
			name.Append(x.Name)
			sector.Append(x.Sector)
		}
	case events.CooperativeDissolved:
		id := s("coop_id")
		return func(p events.Payload) { id.Append(p.(events.CooperativeDissolvedPayload).CoopID) }
	case events.CooperativeDigitalAdopted:
		id, tech := s("coop_id"), ls("technologies")
		return func(p events.Payload) {
			x := p.(events.CooperativeDigitalAdoptedPayload)
			id.Append(x.CoopID)
			appendList(tech, x.Technologies)
		}
	case events.LinkageModelRegistered:
		id, name, product, area := s("model_id"), s("name"), s("key_product"), bl("raw_material_area")
		return func(p events.Payload) {
			x := p.(events.LinkageModelRegisteredPayload)
			id.Append(x.ModelID)
			name.Append(x.Name)
			product.Append(x.KeyProduct)
			area.Append(x.RawMaterialArea)
		}
	case events.LinkageModelDigitalAdopted:
		id, tech := s("model_id"), ls("technologies")
		return func(p events.Payload) {
			x := p.(events.LinkageModelDigitalAdoptedPayload)
			id.Append(x.ModelID)
			appendList(tech, x.Technologies)
		}
	case events.OCOPProductRated:
		id, name, cat, stars := s("product_id"), s("name"), s("category"), i64("stars")
		return func(p events.Payload) {
			x := p.(events.OCOPProductRatedPayload)
			id.Append(x.ProductID)
			name.Append(x.Name)
			cat.Append(x.Category)
			stars.Append(x.Stars)
		}
	case events.RawMaterialAreaRegistered:
		code, product, ha, lat, lon := s("area_code"), s("product"), f64("hectares"), f64("latitude"), f64("longitude")
		return func(p events.Payload) {
			x := p.(events.RawMaterialAreaRegisteredPayload)
			code.Append(x.AreaCode)
			product.Append(x.Product)
			ha.Append(x.Hectares)
			lat.Append(x.Latitude)
			lon.Append(x.Longitude)
		}
	case events.OnlineServiceLaunched:
		id, domain, name := s("service_id"), s("domain"), s("name")
		return func(p events.Payload) {
			x := p.(events.OnlineServiceLaunchedPayload)
			id.Append(x.ServiceID)
			domain.Append(x.Domain)
			name.Append(x.Name)
		}
	case events.OnlineServiceWithdrawn:
		id := s("service_id")
		return func(p events.Payload) { id.Append(p.(events.OnlineServiceWithdrawnPayload).ServiceID) }
	case events.SurveyConducted:
		id, topic, channel, opened, closed := s("survey_id"), s("topic"), s("channel"), dt("opened_on"), dt("closed_on")
		return func(p events.Payload) {
			x := p.(events.SurveyConductedPayload)
			id.Append(x.SurveyID)
			topic.Append(x.Topic)
			channel.Append(x.Channel)
			appendDate(opened, x.OpenedOn)
			appendDate(closed, x.ClosedOn)
		}
	case events.SurveyResponse:
		id, sat := s("survey_id"), i64("satisfaction")
		return func(p events.Payload) {
			x := p.(events.SurveyResponsePayload)
			id.Append(x.SurveyID)
			sat.Append(x.Satisfaction)
		}
	case events.SmartModelRegistered:
		id, name, field, scope := s("model_id"), s("name"), s("field"), s("scope")
		return func(p events.Payload) {
			x := p.(events.SmartModelRegisteredPayload)
			id.Append(x.ModelID)
			name.Append(x.Name)
			field.Append(x.Field)
			scope.Append(x.Scope)
		}
	case events.SmartModelApproved:
		id, ref := s("model_id"), s("decision_ref")
		return func(p events.Payload) {
			x := p.(events.SmartModelApprovedPayload)
			id.Append(x.ModelID)
			appendOptional(ref, x.DecisionRef)
		}
	case events.TourismSiteRegistered:
		id, name, kind, lat, lon := s("site_id"), s("name"), s("kind"), f64("latitude"), f64("longitude")
		return func(p events.Payload) {
			x := p.(events.TourismSiteRegisteredPayload)
			id.Append(x.SiteID)
			name.Append(x.Name)
			kind.Append(x.Kind)
			lat.Append(x.Latitude)
			lon.Append(x.Longitude)
		}
	case events.HouseholdSurveyRecorded:
		hh, phone, bb := i64("households"), i64("with_smartphone"), i64("with_fixed_broadband")
		return func(p events.Payload) {
			x := p.(events.HouseholdSurveyRecordedPayload)
			hh.Append(x.Households)
			phone.Append(x.WithSmartphone)
			bb.Append(x.WithFixedBroadband)
		}
	case events.ConnectivityReported:
		fixed, g4, g5 := bl("fixed_broadband"), bl("mobile_4g"), bl("mobile_5g")
		return func(p events.Payload) {
			x := p.(events.ConnectivityReportedPayload)
			fixed.Append(x.FixedBroadband)
			g4.Append(x.Mobile4G)
			g5.Append(x.Mobile5G)
		}
	case events.WifiHotspotInstalled:
		id, site, free := s("hotspot_id"), s("site"), bl("free")
		return func(p events.Payload) {
			x := p.(events.WifiHotspotInstalledPayload)
			id.Append(x.HotspotID)
			site.Append(x.Site)
			free.Append(x.Free)
		}
	case events.FundingAllocated, events.FundingDisbursed:
		year, source, task, amount := i64("fiscal_year"), s("source"), s("task"), i64("amount_vnd")
		return func(p events.Payload) {
			var x events.FundingPayload
			switch v := p.(type) {
			case events.FundingAllocatedPayload:
				x = v.FundingPayload
			case events.FundingDisbursedPayload:
				x = v.FundingPayload
			}
			year.Append(x.FiscalYear)
			source.Append(x.Source)
			task.Append(x.Task)
			amount.Append(x.AmountVND)
		}
	case events.EventRetracted:
		id, reason := s("retracted_event_id"), s("reason")
		return func(p events.Payload) {
			x := p.(events.EventRetractedPayload)
			id.Append(x.EventID)
			reason.Append(x.Reason)
		}
	}
	panic(fmt.Sprintf("batch: no columns for event type %s", typ))
}
