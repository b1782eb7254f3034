-- One row per tenure of a roster with what the roster rules need: the seat (a county's post or a
-- department), whether the seat exists, overlaps with another cadre in the same seat, and the gap
-- before the next holder (a vacancy is a warning, two holders at once an error).
-- Parameters: submission_id.
WITH t AS (
    SELECT *, coalesce(end_date, DATE '9999-12-31') AS end_or_max,
           CASE WHEN post = '部门主要负责人' THEN 'dept:' || coalesce(department, '?')
                ELSE coalesce(region_code, '?') || ':' || post END AS seat
    FROM tenure WHERE submission_id = ?
)
SELECT t.row_number, t.cadre_id, t.post, t.start_date, t.end_or_max,
       CASE WHEN t.post = '部门主要负责人' THEN t.department IN (SELECT code FROM department)
            ELSE t.region_code IN (SELECT region_code FROM region WHERE level = 'county') END AS seat_known,
       EXISTS (SELECT 1 FROM t o WHERE o.seat = t.seat AND o.cadre_id <> t.cadre_id
               AND o.start_date <= t.end_or_max AND t.start_date <= o.end_or_max) AS overlaps,
       coalesce(CAST(lead(t.start_date) OVER (PARTITION BY t.seat ORDER BY t.start_date) - t.end_date - 1
                     AS INTEGER), 0) AS gap_days,
       t.name || '(' || t.cadre_id || ') ' || t.post || ' ' || coalesce(CAST(t.start_date AS VARCHAR), '?') || ' 至 '
           || coalesce(CAST(t.end_date AS VARCHAR), '今') AS label,
       t.region_code
FROM t
