-- Every region with a `fail` hit is marked vetoed, also where its grade was already the lowest (veto_apply only
-- touches grades that get worse).
UPDATE result SET vetoed = true
WHERE run_id = $run_id AND year = $year
  AND region_code IN (SELECT region_code FROM veto_hit WHERE run_id = $run_id AND effect = 'fail')
