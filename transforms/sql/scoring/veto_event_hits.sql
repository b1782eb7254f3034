-- Veto rule of kind `event`: every event of the listed kinds in the year.
INSERT INTO veto_hit BY NAME
SELECT $run_id AS run_id, e.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, e.event_id, e.kind AS event_kind, e.event_date, e.description, e.submission_id
FROM current_event e JOIN result r ON r.run_id = $run_id AND r.year = $year AND r.region_code = e.region_code
WHERE year(e.event_date) = $year AND list_contains($kinds, e.kind)
