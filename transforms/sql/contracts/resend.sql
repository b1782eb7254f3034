-- Is this file last year's sent again? Its values against the department's last accepted year:
-- how many equal that year's value for the same county and item. A value equal to last year's
-- with a note (备注: “数据未更新”) is explained and not counted.
WITH last AS (
    SELECT region_code, indicator_code, year, value FROM current_observation
    WHERE department = $department
      AND year = (SELECT max(year) FROM current_observation WHERE department = $department AND year < $year)),
o AS (
    SELECT o.row_number, o.value, o.note, l.value AS previous, l.year AS previous_year
    FROM observation o LEFT JOIN last l USING (region_code, indicator_code)
    WHERE o.submission_id = $sid AND o.value IS NOT NULL)
SELECT 0 AS _key, min(row_number) AS row_number, count(*) AS n_values, count(previous) AS n_compared,
       count(*) FILTER (round(value, 9) = round(previous, 9) AND note IS NULL) AS n_same,
       any_value(previous_year) AS previous_year,
       count(previous) >= $min_values
           AND count(*) FILTER (round(value, 9) = round(previous, 9) AND note IS NULL) >= $share * count(*) AS resend
FROM o
