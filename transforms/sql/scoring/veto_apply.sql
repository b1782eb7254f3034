-- Force the grades: the worst band any hit allows (fail: last band; cap: the cap band, if worse).
UPDATE result SET vetoed = true, grade = forced.grade
FROM (
    SELECT h.region_code,
           -- the worst band any hit allows: fail -> last band, cap -> the cap band (if worse than now)
           arg_max(b.grade, b.position) AS grade
    FROM (SELECT region_code, CASE WHEN effect = 'fail' THEN $worst ELSE cap_grade END AS allowed
          FROM veto_hit WHERE run_id = $run_id) h
    JOIN bands b ON b.grade = h.allowed
    GROUP BY h.region_code
) forced, bands now_b, bands forced_b
WHERE result.run_id = $run_id AND result.year = $year AND result.region_code = forced.region_code
  AND now_b.grade = result.grade_before_veto AND forced_b.grade = forced.grade
  AND forced_b.position > now_b.position
