-- Each value of a submission beside the same county's value in the department's last accepted year
-- and the largest change allowed (the frame `bounds`: code, absolute, relative, registered by the caller).
-- Parameters: department, year, submission_id.
WITH last AS (
    SELECT region_code, indicator_code, year, value FROM current_observation
    WHERE department = ? AND year < ? AND value IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY region_code, indicator_code ORDER BY year DESC) = 1)
SELECT row_number() OVER (ORDER BY o.row_number, o.indicator_code) - 1 AS _key, o.row_number, o.region_code,
       o.indicator_code, o.raw_text, o.value, l.value AS previous, l.year AS previous_year,
       round(abs(o.value - l.value), 9) AS change,
       greatest(b.absolute, b.relative * abs(l.value)) AS bound
FROM observation o JOIN last l USING (region_code, indicator_code) JOIN bounds b ON b.code = o.indicator_code
WHERE o.submission_id = ? AND o.value IS NOT NULL ORDER BY _key
