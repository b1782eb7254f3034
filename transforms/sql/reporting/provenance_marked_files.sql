-- How many of the files a run used say in their title rows that they are synthetic (the marker
-- `ecoassess demo` writes). Parameters: $mark, $run_id, $year.
SELECT count(DISTINCT submission_id) FROM declaration
WHERE strpos(text, $mark) > 0
  AND submission_id IN (SELECT submission_id FROM score WHERE run_id = $run_id AND year = $year
                        UNION SELECT submission_id FROM current_submission WHERE year = $year)
