-- The year and department each declaration of a submission (its title, a 年度 column) states: the
-- folder's year or department if among those named, otherwise the first named.
-- Parameters: submission_id, year, year, department, department.
WITH d AS (
    SELECT row_number, source, text,
           list_transform(regexp_extract_all(text, CASE WHEN source = '标题' THEN '((?:19|20)\d{2})\s*年'
                                                       ELSE '((?:19|20)\d{2})' END, 1),
                          lambda y: CAST(y AS INTEGER)) AS years,
           (SELECT list(code ORDER BY position(name IN text)) FROM department
            WHERE position(name IN text) > 0) AS departments
    FROM declaration WHERE submission_id = ?)
SELECT row_number() OVER (ORDER BY row_number, source) - 1 AS _key, row_number, source, text,
       CASE WHEN list_contains(years, ?) THEN ? ELSE years[1] END AS declared_year,
       CASE WHEN list_contains(departments, ?) THEN ? ELSE departments[1] END AS declared_department
FROM d ORDER BY _key
