-- indicator_targets: the target column of the table in DOMAIN.md "Indicators: the exact
-- definitions" (the plan's 2025 targets, DOMAIN.md "The 2025 targets"; "none" is NULL), one row
-- per indicator id. It is also the list of the indicators: indicator_values answers for exactly
-- these ids.
CREATE OR REPLACE TABLE indicator_targets AS
SELECT * FROM (VALUES
    ('gov.dossiers_online.province',     1.00::DECIMAL(4,2)),
    ('gov.dossiers_online.district',     0.90),
    ('gov.dossiers_online.commune',      0.70),
    ('gov.commune_ntm_8_4',              0.98),
    ('gov.commune_adv_8_4',              0.75),
    ('gov.commune_adv_15_2',             0.75),
    ('gov.district_ntm_9_5',             0.60),
    ('gov.district_adv_6_5',             0.40),
    ('gov.district_adv_9_2',             0.30),
    ('gov.managers_trained',             1.00),
    ('eco.communes_coop_digital',        0.70),
    ('eco.districts_linkage_digital',    0.70),
    ('eco.raw_area_linkage_digital',     0.50),
    ('soc.units_service_and_survey',     0.40),
    ('pil.districts_with_smart_model',   1.00),
    ('inf.households_smartphone',        1.00),
    ('inf.villages_fixed_broadband',     NULL),
    ('inf.communes_free_wifi_one_stop',  NULL),
    ('soc.satisfaction_rate',            NULL),
    ('fin.disbursement_rate',            NULL)
) t(indicator_id, target);

COMMENT ON TABLE indicator_targets IS 'The plan''s 2025 target of each indicator (chỉ tiêu đến năm 2025)';
COMMENT ON COLUMN indicator_targets.indicator_id IS 'The indicator''s id, as DOMAIN.md and ntm indicators name it (mã chỉ tiêu)';
COMMENT ON COLUMN indicator_targets.target IS 'The share to reach by 2025, from 0 to 1; NULL when the plan sets none (mục tiêu đến năm 2025)';
