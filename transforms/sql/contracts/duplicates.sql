-- Per county of a submission: its values as one signature (to find two counties with the same row)
-- and whether all equal the county's accepted values of the year before.
-- Parameters: department, the year before, submission_id.
WITH last AS (
    SELECT region_code, indicator_code, value FROM current_observation
    WHERE department = ? AND year = ?),
c AS (
    SELECT o.region_code, min(o.row_number) AS row_number, count(o.value) AS n_items,
           string_agg(o.indicator_code || '=' || CAST(o.value AS VARCHAR), ';' ORDER BY o.indicator_code)
               FILTER (o.value IS NOT NULL) AS signature,
           count(l.value) = count(*) AND bool_and(o.value = l.value) AS same_as_last_year
    FROM observation o LEFT JOIN last l USING (region_code, indicator_code)
    WHERE o.submission_id = ? AND o.region_code IS NOT NULL GROUP BY o.region_code)
SELECT row_number() OVER (ORDER BY row_number, region_code) - 1 AS _key, * FROM c ORDER BY _key
