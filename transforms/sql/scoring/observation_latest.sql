-- The current value of each (county, item, year) up to $last: the newest accepted submission's. Items: the
-- framework's indicators and the items its ratio indicators are computed from ($items).
SELECT o.region_code, o.indicator_code, o.year, arg_max(o.value, o.submission_id) AS value,
       max(o.submission_id) AS submission_id, arg_max(o.note, o.submission_id) AS note
FROM current_observation o
WHERE o.year <= $last AND list_contains($items, o.indicator_code) AND list_contains($regions, o.region_code)
GROUP BY ALL
