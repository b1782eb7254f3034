-- Parsed roster rows (frame `parsed`); a department given by name is stored by its code.
INSERT INTO tenure BY NAME
SELECT p.submission_id, p.row AS row_number, p.cadre_id, p.name, p.post, p.region_code,
       coalesce(d.code, p.department) AS department,
       TRY_CAST(p.start_date AS DATE) AS start_date,
       TRY_CAST(p.end_date AS DATE) AS end_date,
       coalesce(p.acting IN ('是', '代理', 'true', '1'), false) AS acting
FROM parsed p LEFT JOIN department d ON p.department = d.name
