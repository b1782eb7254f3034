-- Veto rule of kind `threshold`: every county whose value misses its target, for each of $indicators
-- (one indicator, or e.g. every binding one).
INSERT INTO veto_hit BY NAME
SELECT $run_id AS run_id, s.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, s.indicator_code, s.value, s.target_value AS target, s.submission_id,
       i.name || ' ' || CAST(round(s.value, 4) AS VARCHAR) || i.unit || ', 目标 ' || coalesce(map($ops, $signs)[s.target_op],
           s.target_op) || CAST(round(s.target_value, 4) AS VARCHAR) || i.unit AS description
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.run_id = $run_id AND s.year = $year AND list_contains($indicators, s.indicator_code)
  AND s.met = false
