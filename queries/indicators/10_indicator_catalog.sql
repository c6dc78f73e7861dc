-- indicator_catalog: the indicators of DOMAIN.md "Indicators: the exact definitions", one row per
-- id, in the order of that table: the names the dashboard and the open data use, the SDMX code the
-- ministry report sends, whether the indicator counts a flow over the period or a stock at its
-- end, the definition, and the plan's 2025 target ("none" is NULL). It is also the list of the
-- indicators: indicator_values answers for exactly these ids.
--
-- The SDMX code is the id in upper case with every '.' made '_': SDMX identifiers allow only
-- [A-Za-z0-9_@$-], and '.' separates the dimensions of a series key.
CREATE OR REPLACE TABLE indicator_catalog AS
SELECT indicator_id, upper(replace(indicator_id, '.', '_')) AS sdmx_code, name_vi, name_en, kind,
       target::DECIMAL(4,2) AS target, definition
FROM (VALUES
    ('gov.dossiers_online.province', 'Hồ sơ xử lý trực tuyến, cấp tỉnh', 'Dossiers processed online, province level', 'flow', 1.00,
     'Of the latest dossier.completed per dossier_id (over all time) with level province and completed_at in the period: the share processed online.'),
    ('gov.dossiers_online.district', 'Hồ sơ xử lý trực tuyến, cấp huyện', 'Dossiers processed online, district level', 'flow', 0.90,
     'As gov.dossiers_online.province, for dossiers of level district.'),
    ('gov.dossiers_online.commune', 'Hồ sơ xử lý trực tuyến, cấp xã', 'Dossiers processed online, commune level', 'flow', 0.70,
     'As gov.dossiers_online.province, for dossiers of level commune.'),
    ('gov.commune_ntm_8_4', 'Xã đạt chỉ tiêu 8.4 (NTM)', 'Communes meeting indicator 8.4 (NTM)', 'stock', 0.98,
     'Communes whose latest criterion.assessed of set commune_ntm, indicator 8.4, assessed on or before the end, is met / communes.'),
    ('gov.commune_adv_8_4', 'Xã đạt chỉ tiêu 8.4 (NTM nâng cao)', 'Communes meeting 8.4 (advanced NTM)', 'stock', 0.75,
     'As gov.commune_ntm_8_4, with set commune_ntm_advanced, indicator 8.4.'),
    ('gov.commune_adv_15_2', 'Xã đạt chỉ tiêu 15.2 (NTM nâng cao)', 'Communes meeting 15.2 (advanced NTM)', 'stock', 0.75,
     'As gov.commune_ntm_8_4, with set commune_ntm_advanced, indicator 15.2.'),
    ('gov.district_ntm_9_5', 'Huyện đạt chỉ tiêu 9.5 (NTM)', 'Districts meeting 9.5 (NTM)', 'stock', 0.60,
     'District-level units whose latest assessment of set district_ntm, indicator 9.5, is met / district-level units.'),
    ('gov.district_adv_6_5', 'Huyện đạt chỉ tiêu 6.5 (NTM nâng cao)', 'Districts meeting 6.5 (advanced NTM)', 'stock', 0.40,
     'As gov.district_ntm_9_5, with set district_ntm_advanced, indicator 6.5.'),
    ('gov.district_adv_9_2', 'Huyện đạt chỉ tiêu 9.2 (NTM nâng cao)', 'Districts meeting 9.2 (advanced NTM)', 'stock', 0.30,
     'As gov.district_ntm_9_5, with set district_ntm_advanced, indicator 9.2.'),
    ('gov.managers_trained', 'Cán bộ được tập huấn chuyển đổi số', 'Managers trained in digital transformation', 'stock', 1.00,
     'Active managers (registered on or before the end, not departed by it) with a training.completed of topic digital_transformation on or before the end / active managers.'),
    ('eco.communes_coop_digital', 'Xã có HTX ứng dụng công nghệ số', 'Communes with a digital cooperative', 'stock', 0.70,
     'Communes with at least one active cooperative that has a cooperative.digital_adopted on or before the end / communes.'),
    ('eco.districts_linkage_digital', 'Huyện có mô hình liên kết ứng dụng số', 'Districts with a digital linkage model', 'stock', 0.70,
     'District-level units with at least one linkage model that has a linkage_model.digital_adopted on or before the end / district-level units.'),
    ('eco.raw_area_linkage_digital', 'Mô hình liên kết vùng nguyên liệu ứng dụng số', 'Raw-material linkage models applying digital tech', 'stock', 0.50,
     'Linkage models with raw_material_area true and a digital adoption on or before the end / linkage models with raw_material_area true registered on or before the end.'),
    ('soc.units_service_and_survey', 'Đơn vị có dịch vụ trực tuyến và khảo sát hài lòng', 'Units with an online service and satisfaction survey', 'stock', 0.40,
     'Communes and district-level units with an active online_service.launched and a survey.conducted of topic ntm_satisfaction, channel online, opened on or before the end, both at the unit itself / communes and district-level units.'),
    ('pil.districts_with_smart_model', 'Huyện có mô hình NTM thông minh', 'Districts with a smart NTM pilot', 'stock', 1.00,
     'District-level units with a smart_model.approved on or before the end whose model lies in the district / district-level units.'),
    ('inf.households_smartphone', 'Hộ có điện thoại thông minh', 'Households with a smartphone', 'stock', 1.00,
     'Sum of with_smartphone / sum of households over villages, each village''s latest household_survey.recorded on or before the end.'),
    ('inf.villages_fixed_broadband', 'Thôn có băng rộng cố định', 'Villages with fixed broadband', 'stock', NULL,
     'Villages whose latest connectivity.reported has fixed_broadband / villages with any report.'),
    ('inf.communes_free_wifi_one_stop', 'Xã có Wi-Fi miễn phí tại bộ phận một cửa', 'Communes with free Wi-Fi at the one-stop shop', 'stock', NULL,
     'Communes with a free wifi_hotspot.installed at site one_stop_shop on or before the end, at the commune or one of its villages / communes.'),
    ('soc.satisfaction_rate', 'Tỷ lệ người dân hài lòng', 'Citizens satisfied', 'flow', NULL,
     'Responses with satisfaction 4 or more / all responses, of surveys of topic ntm_satisfaction with business date in the period, scoped by the response''s own unit; fewer than 10 responses are suppressed.'),
    ('fin.disbursement_rate', 'Tỷ lệ giải ngân', 'Funding disbursed', 'flow', NULL,
     'Sum of funding.disbursed.amount_vnd of the period''s fiscal year dated on or before the period''s end / sum of funding.allocated.amount_vnd of that fiscal year.')
) t(indicator_id, name_vi, name_en, kind, target, definition);

COMMENT ON TABLE indicator_catalog IS 'The indicators: names, SDMX code, kind, definition and 2025 target (danh mục chỉ tiêu)';
COMMENT ON COLUMN indicator_catalog.indicator_id IS 'The indicator''s id, as DOMAIN.md and ntm indicators name it (mã chỉ tiêu)';
COMMENT ON COLUMN indicator_catalog.sdmx_code IS 'The code the ministry report sends in INDICATOR: the id in upper case, ''.'' made ''_'' (mã SDMX)';
COMMENT ON COLUMN indicator_catalog.name_vi IS 'The indicator''s name in Vietnamese (tên chỉ tiêu)';
COMMENT ON COLUMN indicator_catalog.name_en IS 'The indicator''s name in English (tên tiếng Anh)';
COMMENT ON COLUMN indicator_catalog.kind IS 'flow: counts the events of the period; stock: the state at the period''s end (loại: luồng hoặc tồn)';
COMMENT ON COLUMN indicator_catalog.target IS 'The share to reach by 2025, from 0 to 1; NULL when the plan sets none (mục tiêu đến năm 2025)';
COMMENT ON COLUMN indicator_catalog.definition IS 'Numerator / denominator, as DOMAIN.md defines them (định nghĩa)';

-- indicator_targets: the target of each indicator, kept for the queries and the analysts that
-- name it; the catalog is its one source.
CREATE OR REPLACE VIEW indicator_targets AS SELECT indicator_id, target FROM indicator_catalog;

COMMENT ON VIEW indicator_targets IS 'The plan''s 2025 target of each indicator (chỉ tiêu đến năm 2025)';
COMMENT ON COLUMN indicator_targets.indicator_id IS 'The indicator''s id, as DOMAIN.md and ntm indicators name it (mã chỉ tiêu)';
COMMENT ON COLUMN indicator_targets.target IS 'The share to reach by 2025, from 0 to 1; NULL when the plan sets none (mục tiêu đến năm 2025)';
