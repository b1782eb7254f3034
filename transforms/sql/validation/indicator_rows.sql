-- The rows of an indicators submission that the generated suite validates. `region_known`: the code is
-- one of the jurisdiction's counties; `explained`: left empty (or —, /) with a reason in the note
-- column (a warning, not an error); `not_applicable`: left empty where the framework or data/targets/
-- declares the indicator not applicable to the county that year (no value is asked for).
-- Parameters (named): $sid, $jurisdiction, $missing (the empty tokens).
SELECT o.row_number, o.region_code,
       coalesce(o.region_code IN (SELECT region_code FROM region WHERE parent_code = $jurisdiction), false)
           AS region_known,
       o.indicator_code, o.value,
       o.value IS NULL AND o.note IS NOT NULL AND list_contains($missing, coalesce(trim(o.raw_text), '')) AS explained,
       o.value IS NULL AND EXISTS (
           SELECT 1 FROM indicator_not_applicable n JOIN framework f USING (framework_id)
           WHERE f.jurisdiction = $jurisdiction AND n.indicator_code = o.indicator_code
             AND n.region_code = o.region_code AND (n.year IS NULL OR n.year = o.year)) AS not_applicable
FROM observation o WHERE o.submission_id = $sid ORDER BY o.row_number, o.indicator_code
