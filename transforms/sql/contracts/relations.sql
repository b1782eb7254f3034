-- One row per county of a submission with both sides and the gap of each cross-field relation, for
-- the relations suite. A template: Python fills {pivot_cols} (one column per item, from `observation`)
-- and {sides} (r<n>_left, r<n>_right, r<n>_gap per relation), both generated from the framework.
-- Parameters: submission_id.
WITH p AS (SELECT region_code, min(row_number) AS row_number, {pivot_cols}
           FROM observation WHERE submission_id = ? AND region_code IS NOT NULL GROUP BY region_code)
SELECT row_number() OVER (ORDER BY row_number, region_code) - 1 AS _key, row_number, region_code, {sides}
FROM p ORDER BY _key
