-- The run's category scores per county. Parameters: run_id, year.
SELECT region_code, category, score, weight, previous_score, contribution
FROM category_score WHERE run_id = ? AND year = ?
