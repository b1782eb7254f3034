-- The observations the normalization reads when the framework declares no treatment, imputation,
-- denomination or coverage rule: the accepted ones as they are (see scoring/prepare.py).
CREATE OR REPLACE TEMP VIEW _observation AS
SELECT submission_id, region_code, indicator_code, year, value, note,
       CAST(NULL AS DOUBLE) AS treated, CAST(NULL AS VARCHAR) AS how
FROM current_observation
