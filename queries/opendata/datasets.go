// Package opendata publishes the warehouse's open datasets for a period: CSV, Parquet and, for
// the maps, GeoJSON, each described by a Frictionless Data Package, all byte-identical for the
// same warehouse state and arguments, and never with person-level data.
package opendata

import "embed"

//go:embed sql/*.sql
var sqlFiles embed.FS

// dataset describes one published dataset.
type dataset struct {
	Name                  string
	TitleVI, TitleEN      string
	DescriptionVI, DescEN string
	PrimaryKey            []string
	Geo                   bool // also published as a GeoJSON FeatureCollection of points
	LatField, LonField    string
	SmallCountsSuppressed bool // aggregates over few responses must be suppressed
}

var datasets = []dataset{
	{Name: "indicators", TitleVI: "Chỉ tiêu chuyển đổi số trong xây dựng nông thôn mới so với mục tiêu 2025",
		TitleEN:       "Digital transformation in new rural development: indicators against the 2025 targets",
		DescriptionVI: "Tử số, mẫu số, giá trị và mục tiêu của từng chỉ tiêu, cấp tỉnh và từng đơn vị trực thuộc tỉnh vào cuối kỳ (các huyện trước ngày 01/7/2025, các xã, phường sau đó).",
		DescEN:        "Numerator, denominator, value and target of every indicator, for the province and every unit directly below it at the period's end (the district-level units before 2025-07-01, the communes after).",
		PrimaryKey:    []string{"indicator_id", "scope_level", "scope_code"}},
	{Name: "commune_criteria", TitleVI: "Tình trạng đạt tiêu chí nông thôn mới của các xã",
		TitleEN:       "Commune NTM criteria status",
		DescriptionVI: "Lần đánh giá mới nhất của mỗi chỉ tiêu thuộc bộ tiêu chí xã NTM và xã NTM nâng cao, đến cuối kỳ.",
		DescEN:        "The latest assessment of each indicator of the commune NTM and advanced NTM criteria sets, at the period's end.",
		PrimaryKey:    []string{"commune_code", "criteria_set", "indicator"}},
	{Name: "online_dossiers", TitleVI: "Tỷ lệ hồ sơ công việc xử lý trên môi trường mạng theo đơn vị và tháng",
		TitleEN:       "Work dossiers processed online, by unit and month",
		DescriptionVI: "Số hồ sơ hoàn thành trong kỳ và số hồ sơ xử lý trực tuyến, theo đơn vị, tháng và cấp xử lý.",
		DescEN:        "Dossiers completed in the period and those processed online, by unit, month and processing level.",
		PrimaryKey:    []string{"unit_code", "month", "level"}},
	{Name: "ocop_products", TitleVI: "Sản phẩm OCOP", TitleEN: "OCOP products",
		DescriptionVI: "Sản phẩm OCOP và số sao đánh giá mới nhất đến cuối kỳ.",
		DescEN:        "OCOP products with their latest star rating at the period's end.",
		PrimaryKey:    []string{"product_id"}},
	{Name: "smart_models", TitleVI: "Mô hình thí điểm nông thôn mới thông minh", TitleEN: "Smart NTM pilot models",
		DescriptionVI: "Mô hình thí điểm xã, thôn thông minh đã đăng ký và tình trạng phê duyệt đến cuối kỳ.",
		DescEN:        "Registered smart commune and village pilot models and their approval at the period's end.",
		PrimaryKey:    []string{"model_id"}},
	{Name: "tourism_sites", TitleVI: "Bản đồ số du lịch nông thôn", TitleEN: "Rural tourism digital map",
		DescriptionVI: "Điểm du lịch nông thôn đã đăng ký đến cuối kỳ, có tọa độ WGS84.",
		DescEN:        "Rural tourism sites registered by the period's end, with WGS84 coordinates.",
		PrimaryKey:    []string{"site_id"}, Geo: true, LatField: "latitude", LonField: "longitude"},
	{Name: "raw_material_areas", TitleVI: "Bản đồ số vùng nguyên liệu nông nghiệp", TitleEN: "Agricultural raw-material areas digital map",
		DescriptionVI: "Vùng nguyên liệu đã đăng ký đến cuối kỳ, có diện tích và tọa độ WGS84.",
		DescEN:        "Raw-material areas registered by the period's end, with area and WGS84 coordinates.",
		PrimaryKey:    []string{"area_code"}, Geo: true, LatField: "latitude", LonField: "longitude"},
	{Name: "digital_infrastructure", TitleVI: "Hạ tầng số theo xã", TitleEN: "Digital infrastructure by commune",
		DescriptionVI: "Hộ có điện thoại thông minh, băng rộng; thôn có băng rộng, 4G, 5G; điểm Wi-Fi miễn phí; đến cuối kỳ.",
		DescEN:        "Households with smartphones and broadband, villages with broadband, 4G and 5G, free Wi-Fi hotspots, at the period's end.",
		PrimaryKey:    []string{"commune_code"}},
	{Name: "funding", TitleVI: "Kinh phí theo năm, nguồn vốn, nhiệm vụ và huyện", TitleEN: "Funding by year, source, task and district",
		DescriptionVI: "Kinh phí phân bổ và giải ngân (đồng) ghi nhận đến cuối kỳ, theo huyện tại ngày ghi nhận; mã 38 là các đơn vị không thuộc huyện nào (cấp tỉnh, và mọi đơn vị từ 01/7/2025 khi cấp huyện không còn).",
		DescEN:        "Funding allocated and disbursed (VND) dated on or before the period's end, by the district-level unit at each record's date; code 38 is units outside any district (province level, and every unit from 2025-07-01, when the district level was abolished).",
		PrimaryKey:    []string{"fiscal_year", "source", "task", "district_code"}},
	{Name: "satisfaction", TitleVI: "Mức độ hài lòng của người dân với kết quả xây dựng nông thôn mới", TitleEN: "Citizens' satisfaction with NTM results",
		DescriptionVI: "Phản hồi khảo sát trong kỳ theo đơn vị trực thuộc tỉnh (huyện, hoặc xã, phường từ 01/7/2025) và toàn tỉnh; số liệu dưới 10 phản hồi được để trống (suppressed = true).",
		DescEN:        "Survey responses in the period by unit directly below the province (district, or commune from 2025-07-01) and for the province; aggregates over fewer than 10 responses are left empty (suppressed = true).",
		PrimaryKey:    []string{"scope_level", "scope_code"}, SmallCountsSuppressed: true},
}

// fieldDocs describes every published column in English and Vietnamese.
var fieldDocs = map[string][2]string{
	"indicator_id": {"Indicator identifier (DOMAIN.md)", "Mã chỉ tiêu"}, "period": {"Reporting period", "Kỳ báo cáo"},
	"scope_level": {"province, district or commune (the units directly below the province at the period's end)", "Cấp phạm vi (tỉnh, huyện, xã)"}, "scope_code": {"Unit code of the scope", "Mã đơn vị của phạm vi"},
	"numerator": {"Numerator (count or VND)", "Tử số"}, "denominator": {"Denominator (count or VND)", "Mẫu số"},
	"value":  {"numerator / denominator, rounded half-up to 6 decimals", "Giá trị (làm tròn 6 chữ số thập phân)"},
	"target": {"The plan's 2025 target", "Mục tiêu năm 2025"}, "met": {"value reaches the target", "Đạt mục tiêu"},
	"commune_code": {"Commune code (GSO)", "Mã xã"}, "commune_name": {"Commune name", "Tên xã"},
	"district_name": {"District-level unit name, at the period's end (or its last name)", "Tên huyện"},
	"unit_name":     {"Unit name, at the period's end", "Tên đơn vị"}, "scope_name": {"Name of the scope's unit", "Tên đơn vị của phạm vi"},
	"district_code": {"District-level unit code (GSO)", "Mã huyện"}, "criteria_set": {"Criteria set", "Bộ tiêu chí"},
	"criterion": {"Criterion number", "Tiêu chí"}, "indicator": {"Indicator of the criterion", "Chỉ tiêu"},
	"assessed_on": {"Assessment date", "Ngày đánh giá"}, "decision_ref": {"Decision reference", "Số quyết định"},
	"unit_code": {"Unit code (GSO, or commune-village)", "Mã đơn vị"}, "month": {"Month (YYYY-MM)", "Tháng"},
	"level": {"Processing level", "Cấp xử lý"}, "dossiers": {"Dossiers completed", "Số hồ sơ hoàn thành"},
	"processed_online": {"Dossiers processed online", "Số hồ sơ xử lý trực tuyến"},
	"online_rate":      {"Share processed online", "Tỷ lệ xử lý trực tuyến"},
	"product_id":       {"OCOP product identifier", "Mã sản phẩm OCOP"}, "name": {"Name", "Tên"},
	"category": {"Product category", "Nhóm sản phẩm"}, "stars": {"OCOP stars", "Số sao OCOP"},
	"rated_on": {"Rating date", "Ngày đánh giá"}, "model_id": {"Model identifier", "Mã mô hình"},
	"field": {"Field of the model", "Lĩnh vực"}, "scope": {"commune or village", "Phạm vi (xã, thôn)"},
	"approved": {"Approved", "Đã phê duyệt"}, "approved_on": {"Approval date", "Ngày phê duyệt"},
	"site_id": {"Tourism site identifier", "Mã điểm du lịch"}, "kind": {"Kind", "Loại hình"},
	"latitude": {"WGS84 latitude", "Vĩ độ"}, "longitude": {"WGS84 longitude", "Kinh độ"},
	"registered_on": {"Registration date", "Ngày đăng ký"}, "area_code": {"Raw-material area code", "Mã vùng nguyên liệu"},
	"product": {"Product", "Sản phẩm"}, "hectares": {"Area in hectares", "Diện tích (ha)"},
	"villages_surveyed": {"Villages with a household survey", "Số thôn có khảo sát hộ"},
	"households":        {"Households", "Số hộ"}, "with_smartphone": {"Households with a smartphone", "Số hộ có điện thoại thông minh"},
	"with_fixed_broadband":     {"Households with fixed broadband", "Số hộ có băng rộng cố định"},
	"villages_reporting":       {"Villages with a connectivity report", "Số thôn có báo cáo kết nối"},
	"villages_fixed_broadband": {"Villages with fixed broadband", "Số thôn có băng rộng cố định"},
	"villages_4g":              {"Villages with 4G", "Số thôn có 4G"}, "villages_5g": {"Villages with 5G", "Số thôn có 5G"},
	"free_wifi_hotspots": {"Free Wi-Fi hotspots", "Số điểm Wi-Fi miễn phí"},
	"free_wifi_one_stop": {"Free Wi-Fi at the one-stop shop", "Có Wi-Fi miễn phí tại bộ phận một cửa"},
	"fiscal_year":        {"Fiscal year", "Năm ngân sách"}, "source": {"Funding source", "Nguồn vốn"},
	"task": {"Funded task", "Nhiệm vụ"}, "allocated_vnd": {"Allocated (VND)", "Kinh phí phân bổ (đồng)"},
	"disbursed_vnd": {"Disbursed (VND)", "Kinh phí giải ngân (đồng)"},
	"suppressed":    {"Aggregates suppressed: fewer than 10 responses", "Số liệu bị ẩn do dưới 10 phản hồi"},
	"responses":     {"Responses", "Số phản hồi"}, "satisfied": {"Responses with satisfaction 4 or 5", "Số phản hồi hài lòng (4, 5)"},
	"satisfaction_rate": {"Share satisfied", "Tỷ lệ hài lòng"},
}

// closedSets says which columns hold one of a closed set of values: the contract's list
// (schema.Lists) the column's values come from, by dataset and column. The column named kind
// is a tourism site's kind in one dataset and an administrative unit's kind in another.
var closedSets = map[string]map[string]string{
	"indicators":             {"scope_level": "gov_levels"},
	"satisfaction":           {"scope_level": "gov_levels"},
	"commune_criteria":       {"criteria_set": "criteria_sets"},
	"online_dossiers":        {"level": "gov_levels"},
	"smart_models":           {"field": "model_fields", "scope": "model_scopes"},
	"tourism_sites":          {"kind": "site_kinds"},
	"digital_infrastructure": {"kind": "unit_kinds"},
	"funding":                {"source": "fund_sources", "task": "fund_tasks"},
}

// valueDocs explains every value of the closed sets in Vietnamese and English, by list; a test
// checks that every value of every list used in closedSets has its explanation.
var valueDocs = map[string]map[string][2]string{
	"gov_levels": {"province": {"tỉnh", "province"}, "district": {"cấp huyện (huyện, thị xã, thành phố)", "district level (district, town or city)"},
		"commune": {"cấp xã (xã, phường, thị trấn)", "commune level (commune, ward or township)"}},
	"criteria_sets": {"commune_ntm": {"bộ tiêu chí xã nông thôn mới", "commune NTM criteria"},
		"commune_ntm_advanced":  {"bộ tiêu chí xã nông thôn mới nâng cao", "advanced commune NTM criteria"},
		"district_ntm":          {"bộ tiêu chí huyện nông thôn mới", "district NTM criteria"},
		"district_ntm_advanced": {"bộ tiêu chí huyện nông thôn mới nâng cao", "advanced district NTM criteria"}},
	"model_fields": {"security_order": {"an ninh, trật tự", "security and public order"}, "economy": {"kinh tế", "economy"},
		"rural_tourism": {"du lịch nông thôn", "rural tourism"}, "environment": {"môi trường", "environment"},
		"culture": {"văn hóa", "culture"}, "education": {"giáo dục", "education"}, "health": {"y tế", "health"},
		"other": {"lĩnh vực khác", "other"}},
	"model_scopes": {"commune": {"xã", "commune"}, "village": {"thôn", "village"}},
	"site_kinds": {"community_tourism": {"du lịch cộng đồng", "community-based tourism"}, "eco": {"du lịch sinh thái", "ecotourism"},
		"cultural_heritage": {"di sản văn hóa", "cultural heritage"}, "craft_village": {"làng nghề", "craft village"},
		"agritourism": {"du lịch nông nghiệp", "agritourism"}},
	"unit_kinds": {"tỉnh": {"tỉnh", "province"}, "thành phố": {"thành phố", "city"}, "thị xã": {"thị xã", "town"},
		"huyện": {"huyện", "rural district"}, "phường": {"phường", "ward"}, "xã": {"xã", "commune"},
		"thị trấn": {"thị trấn", "township"}, "thôn": {"thôn", "village"}, "bản": {"bản", "village (in the mountains)"},
		"tổ dân phố": {"tổ dân phố", "residential group"}, "khu phố": {"khu phố", "urban quarter"}},
	"fund_sources": {"central_budget": {"ngân sách trung ương", "central budget"}, "province_budget": {"ngân sách tỉnh", "province budget"},
		"district_budget": {"ngân sách huyện", "district budget"}, "commune_budget": {"ngân sách xã", "commune budget"},
		"socialized":          {"xã hội hóa (đóng góp của doanh nghiệp, người dân)", "private and community contributions"},
		"integrated_programs": {"lồng ghép từ các chương trình khác", "integrated from other programmes"},
		"other":               {"nguồn khác", "other"}},
	"fund_tasks": {"communication_training": {"truyền thông, đào tạo", "communication and training"},
		"digital_government": {"chính quyền số", "digital government"}, "digital_economy": {"kinh tế số", "digital economy"},
		"digital_society": {"xã hội số", "digital society"}, "digital_infrastructure_data": {"hạ tầng số và dữ liệu", "digital infrastructure and data"},
		"policy": {"cơ chế, chính sách", "policy"}, "pilot_models": {"mô hình thí điểm", "pilot models"},
		"management": {"quản lý, điều hành", "management"}},
}
