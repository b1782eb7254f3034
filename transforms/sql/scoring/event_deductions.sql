-- A deduction rule of kind `event`: one hit per event of the listed kinds in a scored year.
INSERT INTO deduction_hit BY NAME
SELECT $run_id AS run_id, year(e.event_date) AS year, e.region_code, $id AS deduction_id, $name AS name,
       $points AS points, e.event_id, e.kind AS event_kind, e.event_date, e.description, e.submission_id
FROM current_event e JOIN _county c USING (region_code)
WHERE year(e.event_date) IN (SELECT DISTINCT year FROM _score) AND list_contains($kinds, e.kind)
