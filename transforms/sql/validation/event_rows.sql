-- The rows of an events submission that the generated suite validates (`region_known` as in
-- validation/indicator_rows). Parameters (named): $sid, $jurisdiction.
SELECT row_number, event_id, region_code,
       coalesce(region_code IN (SELECT region_code FROM region WHERE parent_code = $jurisdiction), false)
           AS region_known,
       event_date, year(event_date) AS event_year, kind, event_id AS label
FROM event WHERE submission_id = $sid
