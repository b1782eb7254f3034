-- A deduction rule of kind `target`: one hit per missed target of the listed indicators.
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, s.year, list_extract($regions, s.ri) AS region_code, $id AS deduction_id, $name AS name,
       $points AS points, i.code AS indicator_code, s.value, s.target_value AS target, s.submission_id,
       i.name || CASE WHEN s.value IS NULL THEN ': 无已通过审核的数据'
                      ELSE ' ' || CAST(round(s.value, 4) AS VARCHAR) || i.unit END
              || ', 目标 ' || coalesce(map($ops, $signs)[s.target_op], s.target_op)
              || CAST(round(s.target_value, 4) AS VARCHAR) || i.unit AS description
FROM _score s JOIN _ind i USING (ki)
WHERE s.target_value IS NOT NULL AND coalesce(s.met, false) = false AND list_contains($indicators, i.code)
