package events_test

import (
	"testing"

	"github.com/thanhhoa-ntm/ntm/events"
)

// benchLines is a realistic mix of valid events as the reporting systems send them: UUID-like
// ids, full source objects, timestamps with offsets and fractions, Vietnamese text.
var benchLines = []string{
	`{"event_id":"dvc-38-2025-03-10-7f3a9c21-0001","event_type":"dossier.completed","schema_version":1,"occurred_at":"2025-03-10T16:30:12+07:00","recorded_at":"2025-03-10T16:30:14.218+07:00","source":{"level":"commune","unit_code":"15814","system":"dvc.thanhhoa.gov.vn"},"unit_code":"15814","payload":{"dossier_id":"000.00.15.H56-250301-0123","level":"commune","processed_online":true,"received_at":"2025-03-01T08:02:40+07:00","completed_at":"2025-03-10T16:30:12+07:00"}}`,
	`{"event_id":"dvc-38-2025-03-10-7f3a9c21-0002","event_type":"dossier.completed","schema_version":1,"occurred_at":"2025-03-10T09:05:00+07:00","recorded_at":"2025-03-10T02:05:01.5Z","source":{"level":"district","unit_code":"389","system":"dvc.thanhhoa.gov.vn"},"unit_code":"389","payload":{"dossier_id":"000.00.09.H56-250305-0456","level":"district","processed_online":false,"received_at":"2025-03-05T14:10:00+07:00","completed_at":"2025-03-10T09:05:00+07:00"}}`,
	`{"event_id":"ntm-38-crit-2025-0001182","event_type":"criterion.assessed","schema_version":1,"occurred_at":"2025-03-08T10:00:00+07:00","recorded_at":"2025-03-08T10:12:45+07:00","source":{"level":"district","unit_code":"389","system":"ntm-portal"},"unit_code":"15814","payload":{"criteria_set":"commune_ntm_advanced","criterion":"8","indicator":"8.4","met":true,"assessed_on":"2025-03-08","decision_ref":"QĐ-125/QĐ-UBND"}}`,
	`{"event_id":"ntm-38-crit-2025-0001183","event_type":"criterion.assessed","schema_version":1,"occurred_at":"2025-03-08T10:00:00+07:00","recorded_at":"2025-03-08T10:12:45+07:00","source":{"level":"district","unit_code":"389","system":"ntm-portal"},"unit_code":"15817","payload":{"criteria_set":"commune_ntm","criterion":"17","indicator":"17.2","met":false,"assessed_on":"2025-03-08"}}`,
	`{"event_id":"hr-38-2025-000412","event_type":"manager.registered","schema_version":1,"occurred_at":"2025-01-06T08:00:00+07:00","recorded_at":"2025-01-06T08:31:19+07:00","source":{"level":"province","unit_code":"38","system":"hrm-thanhhoa"},"unit_code":"15814","payload":{"person_ref":"p-4b8e1f0c9a7d","role":"Công chức Văn phòng - Thống kê","level":"commune"}}`,
	`{"event_id":"lms-38-2025-007731","event_type":"training.completed","schema_version":1,"occurred_at":"2025-02-21T17:00:00+07:00","recorded_at":"2025-02-22T01:00:03Z","source":{"level":"province","unit_code":"38","system":"lms-cds-thanhhoa"},"unit_code":"15814","payload":{"person_ref":"p-4b8e1f0c9a7d","course_code":"CDS-2025-K03","topic":"digital_transformation","hours":16,"completed_on":"2025-02-21"}}`,
	`{"event_id":"coop-38-2025-000093","event_type":"cooperative.registered","schema_version":1,"occurred_at":"2025-01-15T09:00:00+07:00","recorded_at":"2025-01-15T11:20:00+07:00","source":{"level":"district","unit_code":"389","system":"dkkd-thanhhoa"},"unit_code":"15814","payload":{"coop_id":"2801234567","name":"HTX Dịch vụ Nông nghiệp Xuân Lập","sector":"trồng trọt, chế biến nông sản"}}`,
	`{"event_id":"coop-38-2025-000094","event_type":"cooperative.digital_adopted","schema_version":1,"occurred_at":"2025-02-03T14:00:00+07:00","recorded_at":"2025-02-03T14:05:31+07:00","source":{"level":"commune","unit_code":"15814","system":"ntm-portal"},"unit_code":"15814","payload":{"coop_id":"2801234567","technologies":["ecommerce","traceability","digital_payment"]}}`,
	`{"event_id":"lk-38-2025-000021","event_type":"linkage_model.registered","schema_version":1,"occurred_at":"2025-01-20T08:00:00+07:00","recorded_at":"2025-01-20T09:45:00+07:00","source":{"level":"district","unit_code":"389","system":"sonn-thanhhoa"},"unit_code":"389","payload":{"model_id":"LK-389-2025-03","name":"Liên kết sản xuất mía nguyên liệu","key_product":"mía","raw_material_area":true}}`,
	`{"event_id":"ocop-38-2025-000310","event_type":"ocop.product_rated","schema_version":1,"occurred_at":"2025-03-01T10:00:00+07:00","recorded_at":"2025-03-01T10:30:00+07:00","source":{"level":"province","unit_code":"38","system":"ocop-thanhhoa"},"unit_code":"15814","payload":{"product_id":"OCOP-38-0310","name":"Nem chua Thanh Hóa","category":"thực phẩm","stars":4}}`,
	`{"event_id":"map-38-2025-000077","event_type":"raw_material_area.registered","schema_version":1,"occurred_at":"2025-02-10T08:00:00+07:00","recorded_at":"2025-02-10T08:15:00+07:00","source":{"level":"district","unit_code":"389","system":"agri-map"},"unit_code":"15814","payload":{"area_code":"VNL-389-014","product":"mía","hectares":152.75,"latitude":19.9213,"longitude":105.4427}}`,
	`{"event_id":"svc-38-2025-000045","event_type":"online_service.launched","schema_version":1,"occurred_at":"2025-01-02T07:30:00+07:00","recorded_at":"2025-01-02T07:31:00+07:00","source":{"level":"commune","unit_code":"15814","system":"ntm-portal"},"unit_code":"15814","payload":{"service_id":"DV-15814-HEALTH-01","domain":"health","name":"Đặt lịch khám bệnh trực tuyến tại trạm y tế xã"}}`,
	`{"event_id":"ks-38-2025-000008","event_type":"survey.conducted","schema_version":1,"occurred_at":"2025-03-31T17:00:00+07:00","recorded_at":"2025-03-31T17:02:10+07:00","source":{"level":"district","unit_code":"389","system":"khaosat-thanhhoa"},"unit_code":"15814","payload":{"survey_id":"KS-389-2025-Q1","topic":"ntm_satisfaction","channel":"online","opened_on":"2025-03-01","closed_on":"2025-03-31"}}`,
	`{"event_id":"ks-38-2025-000008-r-000123","event_type":"survey.response","schema_version":1,"occurred_at":"2025-03-12T20:41:07+07:00","recorded_at":"2025-03-12T13:41:07.804Z","source":{"level":"district","unit_code":"389","system":"khaosat-thanhhoa"},"unit_code":"15814","payload":{"survey_id":"KS-389-2025-Q1","satisfaction":4}}`,
	`{"event_id":"smart-38-2025-000012","event_type":"smart_model.registered","schema_version":1,"occurred_at":"2025-02-14T08:00:00+07:00","recorded_at":"2025-02-14T08:20:00+07:00","source":{"level":"commune","unit_code":"15814","system":"ntm-portal"},"unit_code":"15814-007","payload":{"model_id":"TM-15814-007-01","name":"Thôn an toàn với camera giám sát","field":"security_order","scope":"village"}}`,
	`{"event_id":"dl-38-2025-000005","event_type":"tourism_site.registered","schema_version":1,"occurred_at":"2025-01-25T08:00:00+07:00","recorded_at":"2025-01-25T09:00:00+07:00","source":{"level":"district","unit_code":"389","system":"vhttdl-thanhhoa"},"unit_code":"15814","payload":{"site_id":"DL-389-005","name":"Làng du lịch cộng đồng Bản Hang","kind":"community_tourism","latitude":20.1342,"longitude":105.2171}}`,
	`{"event_id":"hh-38-2025-15814-007","event_type":"household_survey.recorded","schema_version":1,"occurred_at":"2025-03-05T08:00:00+07:00","recorded_at":"2025-03-05T15:44:00+07:00","source":{"level":"village","unit_code":"15814-007","system":"ntm-portal"},"unit_code":"15814-007","payload":{"households":214,"with_smartphone":187,"with_fixed_broadband":142}}`,
	`{"event_id":"net-38-2025-15814-007","event_type":"connectivity.reported","schema_version":1,"occurred_at":"2025-03-05T08:00:00+07:00","recorded_at":"2025-03-05T15:45:00+07:00","source":{"level":"village","unit_code":"15814-007","system":"ntm-portal"},"unit_code":"15814-007","payload":{"fixed_broadband":true,"mobile_4g":true,"mobile_5g":false}}`,
	`{"event_id":"fin-38-2025-000201","event_type":"funding.allocated","schema_version":1,"occurred_at":"2025-01-10T08:00:00+07:00","recorded_at":"2025-01-10T10:00:00+07:00","source":{"level":"province","unit_code":"38","system":"tabmis-thanhhoa"},"unit_code":"389","payload":{"fiscal_year":2025,"source":"province_budget","task":"digital_infrastructure_data","amount_vnd":1250000000}}`,
	`{"event_id":"fin-38-2025-000202","event_type":"funding.disbursed","schema_version":1,"occurred_at":"2025-03-20T08:00:00+07:00","recorded_at":"2025-03-20T10:00:00+07:00","source":{"level":"district","unit_code":"389","system":"tabmis-thanhhoa"},"unit_code":"15814","corrects":"fin-38-2025-000199","payload":{"fiscal_year":2025,"source":"central_budget","task":"digital_government","amount_vnd":350000000.0,"note":"đợt 1"}}`,
}

// benchInput returns the lines as byte slices and their total size.
func benchInput(b *testing.B) ([][]byte, int64) {
	lines := make([][]byte, len(benchLines))
	var total int64
	for i, s := range benchLines {
		if _, err := events.Decode([]byte(s)); err != nil {
			b.Fatalf("benchmark line %d is not a valid event: %v", i, err)
		}
		lines[i] = []byte(s)
		total += int64(len(s))
	}
	return lines, total
}

// BenchmarkDecode decodes the mix with one reused Decoder, as an ingest worker does. One op is
// one event.
func BenchmarkDecode(b *testing.B) {
	lines, total := benchInput(b)
	var d events.Decoder
	b.SetBytes(total / int64(len(lines)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := d.Decode(lines[n%len(lines)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeParallel decodes the mix on every CPU, each goroutine with its own Decoder.
func BenchmarkDecodeParallel(b *testing.B) {
	lines, total := benchInput(b)
	b.SetBytes(total / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var d events.Decoder
		for i := 0; pb.Next(); i++ {
			if _, err := d.Decode(lines[i%len(lines)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
