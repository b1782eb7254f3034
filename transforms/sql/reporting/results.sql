-- The run's result per county with its name and zone, in rank order.
-- Parameters (named): $run_id, $year.
SELECT r.*, g.name, g.zone FROM result r JOIN region g USING (region_code)
WHERE run_id = $run_id AND year = $year ORDER BY rank, region_code
