-- The observations after the framework's denomination, imputation, coverage and treatment rules (the
-- registered frame `prepared`, scoring/prepare.py), as the normalization reads them.
CREATE OR REPLACE TEMP TABLE _observation AS
SELECT submission_id, region_code, indicator_code, CAST(year AS INTEGER) AS year, value, note, treated,
       nullif(how, '') AS how
FROM prepared
