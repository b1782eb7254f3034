-- The rows of an indicators submission that the generated suite validates. `region_known`: the code is
-- one of the jurisdiction's counties; `explained`: left empty (or —, /) with a reason in the note
-- column (a warning, not an error). Parameters (named): $sid, $jurisdiction, $missing (the empty tokens).
SELECT row_number, region_code,
       coalesce(region_code IN (SELECT region_code FROM region WHERE parent_code = $jurisdiction), false)
           AS region_known,
       indicator_code, value,
       value IS NULL AND note IS NOT NULL AND list_contains($missing, coalesce(trim(raw_text), '')) AS explained
FROM observation WHERE submission_id = $sid ORDER BY row_number, indicator_code
