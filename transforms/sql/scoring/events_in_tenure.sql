-- Every event bound to whoever held a leading post of its region on its date (终身追责).
SELECT t.cadre_id, t.name, t.post, t.region_code, e.event_id, e.event_date, e.kind, e.description,
       year(e.event_date) AS year
FROM current_event e JOIN current_tenure t
  ON t.region_code = e.region_code AND e.event_date >= t.start_date
 AND e.event_date <= coalesce(t.end_date, DATE '9999-12-31')
ORDER BY e.event_date
