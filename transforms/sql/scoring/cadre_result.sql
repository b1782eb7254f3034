-- Each tenure's share of each scored year; county posts take the county's result (党政同责),
-- department heads their department's sub-score (一岗双责). Two posts in a year: two rows.
INSERT INTO cadre_result BY NAME
WITH spans AS (
    SELECT t.*, y.year, greatest(t.start_date, make_date(y.year, 1, 1)) AS s,
           least(coalesce(t.end_date, make_date(y.year, 12, 31)), make_date(y.year, 12, 31)) AS e,
           make_date(y.year, 12, 31) - make_date(y.year, 1, 1) + 1 AS days_in_year
    FROM current_tenure t CROSS JOIN (SELECT DISTINCT year FROM result WHERE run_id = $run_id) y
)
SELECT $run_id AS run_id, sp.year, sp.cadre_id, sp.name, sp.post, sp.region_code, sp.department,
       sp.start_date, sp.end_date, sp.acting, (sp.e - sp.s + 1) / sp.days_in_year AS share,
       r.gdi, r.rank, r.grade, r.vetoed,
       d.score AS department_score, d.targets_met, d.targets_total
FROM spans sp
LEFT JOIN result r ON r.run_id = $run_id AND r.year = sp.year AND r.region_code = sp.region_code
                  AND sp.post <> '部门主要负责人'
LEFT JOIN department_result d ON d.run_id = $run_id AND d.year = sp.year AND d.department = sp.department
                             AND sp.post = '部门主要负责人'
WHERE sp.e >= sp.s AND (r.region_code IS NOT NULL OR d.department IS NOT NULL)
