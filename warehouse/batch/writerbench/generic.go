package writerbench

import (
	"bufio"
	"context"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/thanhhoa-ntm/ntm/events"
)

// dossierRow is a row of dossier.completed for parquet-go's GenericWriter, which maps struct
// fields to columns with code generated per type: the fast path of parquet-go. The field IDs
// in the tags are fixed here, so genericWrite checks them against the table's before writing.
// A column that can be null is a pointer: parquet-go writes an optional non-pointer field's
// zero value sometimes as null and sometimes as the zero value (v0.32.0; since its #480 only
// a nil pointer is meant to be null), which TestWritersAgree caught on corrects.
type dossierRow struct {
	EventID         string  `parquet:"event_id,id(1)"`
	EventType       string  `parquet:"event_type,id(2),dict"`
	SchemaVersion   int32   `parquet:"schema_version,id(3)"`
	OccurredAt      int64   `parquet:"occurred_at,id(4),timestamp(microsecond)"`
	RecordedAt      int64   `parquet:"recorded_at,id(5),timestamp(microsecond)"`
	BusinessDate    int32   `parquet:"business_date,id(6),date"`
	SourceLevel     string  `parquet:"source_level,id(7),dict"`
	SourceUnitCode  string  `parquet:"source_unit_code,id(8),dict"`
	SourceSystem    string  `parquet:"source_system,id(9),dict"`
	SourceToken     *string `parquet:"source_token,id(10),optional"`
	UnitCode        string  `parquet:"unit_code,id(11),dict"`
	Corrects        *string `parquet:"corrects,id(12),optional"`
	Level           string  `parquet:"level,id(15),optional,dict"`
	DossierID       string  `parquet:"dossier_id,id(37),optional"`
	ProcessedOnline *bool   `parquet:"processed_online,id(38),optional"`
	ReceivedAt      int64   `parquet:"received_at,id(39),optional,timestamp(microsecond)"`
	CompletedAt     int64   `parquet:"completed_at,id(40),optional,timestamp(microsecond)"`
	Payload         string  `parquet:"payload,id(93)"`
	ContentHash     int64   `parquet:"content_hash,id(94)"`
	IngestedAt      int64   `parquet:"ingested_at,id(95),timestamp(microsecond)"`
	KafkaTopic      string  `parquet:"kafka_topic,id(96),dict"`
	KafkaPartition  int32   `parquet:"kafka_partition,id(97)"`
	KafkaOffset     int64   `parquet:"kafka_offset,id(98)"`
}

var (
	yes, no = true, false
)

// genericWrite fills a dossierRow per decoded event (as batch.Events appends to its builders)
// and writes them with a GenericWriter, a row group at a time.
func genericWrite(_ context.Context, path string, t *Table) (int64, error) {
	if t.Type != events.DossierCompleted {
		return 0, fmt.Errorf("writerbench: parquet-go-generic writes only %s", events.DossierCompleted)
	}
	if err := checkIDs(parquet.SchemaOf(dossierRow{}), t); err != nil {
		return 0, err
	}
	rows := make([]dossierRow, len(t.Events))
	at := t.IngestedAt.UnixMicro()
	for i := range t.Events {
		e := &t.Events[i]
		ev := &e.Event
		p := ev.Payload.(events.DossierCompletedPayload)
		online := &no
		if p.ProcessedOnline {
			online = &yes
		}
		var corrects *string
		if ev.Corrects != "" {
			corrects = &ev.Corrects
		}
		rows[i] = dossierRow{
			EventID: ev.ID, EventType: ev.Type.String(), SchemaVersion: int32(ev.SchemaVersion),
			OccurredAt: ev.OccurredAt.UnixMicro(), RecordedAt: ev.RecordedAt.UnixMicro(),
			BusinessDate: int32(ev.BusinessDate), SourceLevel: ev.Source.Level,
			SourceUnitCode: ev.Source.UnitCode, SourceSystem: ev.Source.System, UnitCode: ev.UnitCode,
			Corrects: corrects, Level: p.Level, DossierID: p.DossierID, ProcessedOnline: online,
			ReceivedAt: p.ReceivedAt.UnixMicro(), CompletedAt: p.CompletedAt.UnixMicro(),
			Payload: string(ev.RawPayload), ContentHash: int64(e.Hash), IngestedAt: at,
			KafkaTopic: e.Origin.Topic, KafkaPartition: e.Origin.Partition, KafkaOffset: e.Origin.Offset,
		}
	}
	return writeFile(path, func(bw *bufio.Writer) error {
		w := parquet.NewGenericWriter[dossierRow](bw,
			parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
			parquet.MaxRowsPerRowGroup(RowGroupRows))
		for lo := 0; lo < len(rows); lo += RowGroupRows {
			if _, err := w.Write(rows[lo:min(len(rows), lo+RowGroupRows)]); err != nil {
				return err
			}
		}
		return w.Close()
	})
}

// checkIDs fails unless the schema's columns are the table record's, with the same field IDs.
func checkIDs(s *parquet.Schema, t *Table) error {
	fields := s.Fields()
	rs := t.Record.Schema()
	if len(fields) != rs.NumFields() {
		return fmt.Errorf("writerbench: %d columns in the struct, %d in the table", len(fields), rs.NumFields())
	}
	for i, f := range fields {
		af := rs.Field(i)
		if f.Name() != af.Name || f.ID() != FieldID(af) {
			return fmt.Errorf("writerbench: struct column %d is %s (id %d), the table's is %s (id %d)",
				i, f.Name(), f.ID(), af.Name, FieldID(af))
		}
	}
	return nil
}
