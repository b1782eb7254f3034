-- Warehouse schema. Nothing is deleted or overwritten: corrections are new submission versions,
-- computed numbers are kept per run.
CREATE TABLE IF NOT EXISTS framework (
    framework_id VARCHAR PRIMARY KEY, name VARCHAR, jurisdiction VARCHAR, file_sha256 VARCHAR, loaded_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS category (
    framework_id VARCHAR, code VARCHAR, name VARCHAR, weight DOUBLE, explicit_weight DOUBLE, position INTEGER,
    parent VARCHAR, depth INTEGER, aggregation VARCHAR, PRIMARY KEY (framework_id, code));
CREATE TABLE IF NOT EXISTS indicator (
    framework_id VARCHAR, code VARCHAR, name VARCHAR, name_en VARCHAR, category VARCHAR, unit VARCHAR,
    direction INTEGER, weight_class VARCHAR, weight DOUBLE, binding BOOLEAN, target_op VARCHAR,
    target_value DOUBLE, valid_min DOUBLE, valid_max DOUBLE, department VARCHAR, audit BOOLEAN,
    normalization VARCHAR, goal_lo DOUBLE, goal_hi DOUBLE, log_transform BOOLEAN,
    position INTEGER, PRIMARY KEY (framework_id, code));
CREATE TABLE IF NOT EXISTS indicator_zone_weight (
    framework_id VARCHAR, indicator_code VARCHAR, zone VARCHAR, weight DOUBLE,
    PRIMARY KEY (framework_id, indicator_code, zone));
CREATE TABLE IF NOT EXISTS region (
    region_code VARCHAR PRIMARY KEY, name VARCHAR, parent_code VARCHAR, level VARCHAR, zone VARCHAR,
    synthetic_note VARCHAR);
CREATE TABLE IF NOT EXISTS region_target (
    framework_id VARCHAR, indicator_code VARCHAR, region_code VARCHAR, year INTEGER, op VARCHAR,
    value DOUBLE, source VARCHAR, PRIMARY KEY (framework_id, indicator_code, region_code, year));
CREATE TABLE IF NOT EXISTS department (code VARCHAR PRIMARY KEY, name VARCHAR);
-- Indicators that do not apply to a region (the framework's `not_applicable`, or 不涉及 in data/targets/):
-- left out there, their weight redistributed within the category; year NULL: every year.
CREATE TABLE IF NOT EXISTS indicator_not_applicable (
    framework_id VARCHAR, indicator_code VARCHAR, region_code VARCHAR, year INTEGER, source VARCHAR);

CREATE SEQUENCE IF NOT EXISTS submission_id_seq START 1;
CREATE TABLE IF NOT EXISTS submission (
    submission_id INTEGER PRIMARY KEY, department VARCHAR, year INTEGER, kind VARCHAR,
    file_name VARCHAR, source_path VARCHAR, sha256 VARCHAR, size_bytes BIGINT, received_at TIMESTAMP,
    version INTEGER, encoding VARCHAR, status VARCHAR, archive_path VARCHAR, message VARCHAR,
    sheet VARCHAR, header_row INTEGER);
-- `note`: the reason given for a missing value (缺失原因/备注 column), shown to stewards and in reports
CREATE TABLE IF NOT EXISTS observation (
    submission_id INTEGER, row_number INTEGER, region_code VARCHAR, indicator_code VARCHAR,
    year INTEGER, value DOUBLE, raw_text VARCHAR, note VARCHAR);
-- warehouses created before these columns existed
ALTER TABLE submission ADD COLUMN IF NOT EXISTS sheet VARCHAR;
ALTER TABLE submission ADD COLUMN IF NOT EXISTS header_row INTEGER;
-- why the data was read from `sheet` (configured, named for the year/department, the only candidate)
ALTER TABLE submission ADD COLUMN IF NOT EXISTS sheet_reason VARCHAR;
ALTER TABLE observation ADD COLUMN IF NOT EXISTS note VARCHAR;
CREATE TABLE IF NOT EXISTS event (
    submission_id INTEGER, row_number INTEGER, event_id VARCHAR, region_code VARCHAR, event_date DATE,
    kind VARCHAR, severity VARCHAR, description VARCHAR);
CREATE TABLE IF NOT EXISTS tenure (
    submission_id INTEGER, row_number INTEGER, cadre_id VARCHAR, name VARCHAR, post VARCHAR,
    region_code VARCHAR, department VARCHAR, start_date DATE, end_date DATE, acting BOOLEAN);
-- What a file says about itself (title rows, 年度/填报单位 cells), checked against its inbox folder.
CREATE TABLE IF NOT EXISTS declaration (
    submission_id INTEGER, row_number INTEGER, source VARCHAR, text VARCHAR);
-- Where a submission's fields are: key (region_code, region_name, an indicator code, event_date, …) ->
-- header text and column letter, so the steward report names the cell of every failure.
CREATE TABLE IF NOT EXISTS submission_column (
    submission_id INTEGER, key VARCHAR, header VARCHAR, letter VARCHAR);
-- The signature block under a table: role 填报人 | 审核人 | 联系电话 | 填报日期 | … and what follows it.
CREATE TABLE IF NOT EXISTS signature (
    submission_id INTEGER, row_number INTEGER, role VARCHAR, text VARCHAR);
-- A held submission (status 'held': a plausibility warning on an indicator with a veto or a binding
-- target) confirmed by its department (强制上报, role 'department') or accepted by the office ('office').
CREATE TABLE IF NOT EXISTS confirmation (
    submission_id INTEGER, role VARCHAR, person VARCHAR, reason VARCHAR, confirmed_at TIMESTAMP);
-- 佐证材料 (evidence: a PDF or image) a department attached to a submission through the portal, and
-- what it proves: an event (event_id), a county's value (region_code, indicator_code), or the whole
-- file (all three NULL). Listed in the reports that cite them; the file stays in the portal's archive.
CREATE TABLE IF NOT EXISTS evidence (
    submission_id INTEGER, evidence_no INTEGER, file_name VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
    note VARCHAR, event_id VARCHAR, region_code VARCHAR, indicator_code VARCHAR, attached_at VARCHAR,
    attached_by VARCHAR, recorded_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS validation_result (
    submission_id INTEGER, rule_id VARCHAR, expectation_type VARCHAR, column_name VARCHAR,
    severity VARCHAR, success BOOLEAN, unexpected_count INTEGER, message VARCHAR, expected VARCHAR,
    fix VARCHAR, failures JSON);
CREATE TABLE IF NOT EXISTS validation_run (
    submission_id INTEGER, suite_name VARCHAR, success BOOLEAN, validated_at TIMESTAMP, gx_result JSON);

-- run history: status running | succeeded | failed | interrupted (killed; found by the next run);
-- fingerprints = the stage keys (submissions, framework, config, code, inputs); scored_run_id = the
-- run whose numbers this run used (itself, or an earlier run with the same inputs fingerprint)
CREATE TABLE IF NOT EXISTS run (
    run_id VARCHAR PRIMARY KEY, year INTEGER, framework_id VARCHAR, parameters JSON, fingerprint VARCHAR,
    started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, stage_timings JSON,
    prefect_flow_run_id VARCHAR, scored_run_id VARCHAR, summary JSON);
ALTER TABLE run ADD COLUMN IF NOT EXISTS fingerprints JSON;
ALTER TABLE run ADD COLUMN IF NOT EXISTS stage_counts JSON;
ALTER TABLE run ADD COLUMN IF NOT EXISTS error VARCHAR;
CREATE TABLE IF NOT EXISTS score (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, indicator_code VARCHAR, method VARCHAR, value DOUBLE,
    previous_value DOUBLE, normalized DOUBLE, weight DOUBLE, weight_share DOUBLE, contribution DOUBLE,
    target_op VARCHAR, target_value DOUBLE, met BOOLEAN, flag VARCHAR, submission_id INTEGER,
    previous_normalized DOUBLE);
CREATE TABLE IF NOT EXISTS category_score (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, category VARCHAR, score DOUBLE, weight DOUBLE,
    contribution DOUBLE, previous_score DOUBLE, parent VARCHAR, depth INTEGER, aggregation VARCHAR,
    weight_share DOUBLE);
CREATE TABLE IF NOT EXISTS result (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, gdi DOUBLE, rank INTEGER, n_regions INTEGER,
    targets_met INTEGER, targets_total INTEGER, binding_missed INTEGER, missing_count INTEGER,
    assessment_score DOUBLE, grade_before_veto VARCHAR, grade VARCHAR, vetoed BOOLEAN,
    previous_gdi DOUBLE, previous_rank INTEGER, rank_p05 DOUBLE, rank_median DOUBLE, rank_p95 DOUBLE,
    rank_driver VARCHAR, points_targets DOUBLE, points_index DOUBLE, points_deducted DOUBLE);
CREATE TABLE IF NOT EXISTS deduction_hit (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, deduction_id VARCHAR, name VARCHAR, points DOUBLE,
    indicator_code VARCHAR, value DOUBLE, target DOUBLE, event_id VARCHAR, event_kind VARCHAR, event_date DATE,
    description VARCHAR, submission_id INTEGER);
-- Rank uncertainty: per region, the indicators whose weight moves its rank most (correlation over
-- the draws between the weight's factor and the rank; position 1 = largest |correlation|), and its
-- median rank under each normalization method the draws used.
CREATE TABLE IF NOT EXISTS rank_driver (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, position INTEGER, indicator_code VARCHAR,
    correlation DOUBLE);
CREATE TABLE IF NOT EXISTS rank_by_method (
    run_id VARCHAR, year INTEGER, region_code VARCHAR, method VARCHAR, draws INTEGER, rank_median DOUBLE);
-- Statistical coherence of a run's year (transforms/scoring/coherence.py): per indicator its correlations with
-- its category and the index, effective importance against nominal weight, rank shift when left out; per
-- category Cronbach's alpha over its parts.
CREATE TABLE IF NOT EXISTS coherence_indicator (
    run_id VARCHAR, year INTEGER, indicator_code VARCHAR, category VARCHAR, n INTEGER, r_category DOUBLE,
    r_index DOUBLE, nominal_weight DOUBLE, effective_importance DOUBLE, rank_shift_mean DOUBLE,
    rank_shift_max INTEGER);
CREATE TABLE IF NOT EXISTS coherence_category (
    run_id VARCHAR, year INTEGER, category VARCHAR, parts INTEGER, n INTEGER, cronbach_alpha DOUBLE);
CREATE TABLE IF NOT EXISTS veto_hit (
    run_id VARCHAR, region_code VARCHAR, rule_id VARCHAR, rule_name VARCHAR, effect VARCHAR,
    cap_grade VARCHAR, indicator_code VARCHAR, value DOUBLE, target DOUBLE, event_id VARCHAR,
    event_kind VARCHAR, event_date DATE, description VARCHAR, submission_id INTEGER);
CREATE TABLE IF NOT EXISTS cadre_result (
    run_id VARCHAR, year INTEGER, cadre_id VARCHAR, name VARCHAR, post VARCHAR, region_code VARCHAR,
    department VARCHAR, start_date DATE, end_date DATE, acting BOOLEAN, share DOUBLE, gdi DOUBLE, rank INTEGER,
    grade VARCHAR, vetoed BOOLEAN, department_score DOUBLE, targets_met INTEGER, targets_total INTEGER);
CREATE TABLE IF NOT EXISTS department_result (
    run_id VARCHAR, year INTEGER, department VARCHAR, score DOUBLE, targets_met INTEGER, targets_total INTEGER,
    indicators INTEGER);

-- Columns added after the first release: older warehouses gain them (no-ops on new ones).
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS pct_lo DOUBLE;
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS pct_hi DOUBLE;
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS range_lo DOUBLE;
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS range_hi DOUBLE;
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS missing_final VARCHAR;
ALTER TABLE category ADD COLUMN IF NOT EXISTS parent VARCHAR;
ALTER TABLE category ADD COLUMN IF NOT EXISTS depth INTEGER;
ALTER TABLE category ADD COLUMN IF NOT EXISTS aggregation VARCHAR;
ALTER TABLE score ADD COLUMN IF NOT EXISTS previous_normalized DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS no_index_reason VARCHAR;
ALTER TABLE category_score ADD COLUMN IF NOT EXISTS parent VARCHAR;
ALTER TABLE category_score ADD COLUMN IF NOT EXISTS depth INTEGER;
ALTER TABLE category_score ADD COLUMN IF NOT EXISTS aggregation VARCHAR;
ALTER TABLE category_score ADD COLUMN IF NOT EXISTS weight_share DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS points_targets DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS points_index DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS points_deducted DOUBLE;

-- The current data of a (department, year, kind) is its newest accepted submission.
CREATE OR REPLACE VIEW current_submission AS
SELECT * FROM submission WHERE status = 'accepted'
QUALIFY row_number() OVER (PARTITION BY department, year, kind ORDER BY version DESC) = 1;
CREATE OR REPLACE VIEW current_observation AS
SELECT o.*, s.department FROM observation o JOIN current_submission s USING (submission_id);
CREATE OR REPLACE VIEW current_event AS
SELECT e.* FROM event e JOIN current_submission s USING (submission_id);
-- Tenures are a roster: the newest accepted roster of any year is the current one.
CREATE OR REPLACE VIEW current_tenure AS
SELECT t.* FROM tenure t JOIN (
    SELECT submission_id FROM submission WHERE status = 'accepted' AND kind = 'tenures'
    ORDER BY year DESC, version DESC LIMIT 1) USING (submission_id);
-- Issue 18: not applicable ≠ missing, whose target applies, the absolute change, points by rank and
-- satisfaction, departments ranked.
ALTER TABLE score ADD COLUMN IF NOT EXISTS applicable BOOLEAN;
ALTER TABLE score ADD COLUMN IF NOT EXISTS target_source VARCHAR;
ALTER TABLE result ADD COLUMN IF NOT EXISTS improved INTEGER;
ALTER TABLE result ADD COLUMN IF NOT EXISTS worsened INTEGER;
ALTER TABLE result ADD COLUMN IF NOT EXISTS change_balance DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS points_rank DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS points_satisfaction DOUBLE;
ALTER TABLE result ADD COLUMN IF NOT EXISTS satisfaction DOUBLE;
ALTER TABLE department_result ADD COLUMN IF NOT EXISTS rank INTEGER;
ALTER TABLE department_result ADD COLUMN IF NOT EXISTS n_departments INTEGER;
ALTER TABLE department ADD COLUMN IF NOT EXISTS audit_subject BOOLEAN;
ALTER TABLE cadre_result ADD COLUMN IF NOT EXISTS department_rank INTEGER;
ALTER TABLE cadre_result ADD COLUMN IF NOT EXISTS n_departments INTEGER;
