-- The rank interval and main driver per region (frame registered as `out`) into the run's `result` rows.
-- Parameters: run_id, year.
UPDATE result SET rank_p05 = o.rank_p05, rank_median = o.rank_median, rank_p95 = o.rank_p95,
                  rank_driver = o.rank_driver
FROM out o
WHERE result.run_id = ? AND result.year = ? AND result.region_code = o.region_code
