-- The run's normalized scores and weights for the rank intervals; `kept`: the weight of an indicator not
-- applicable to the region, which stays in its category. Parameters: run_id, year.
SELECT region_code, indicator_code, normalized, weight,
       CASE WHEN applicable = false THEN weight ELSE 0 END AS kept
FROM score WHERE run_id = ? AND year = ?
