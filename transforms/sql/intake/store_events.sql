-- Parsed events (frame `parsed`): dates were checked by the parser, TRY_CAST keeps a bad one null.
INSERT INTO event BY NAME
SELECT submission_id, row AS row_number, event_id, region_code, TRY_CAST(event_date AS DATE) AS event_date,
       kind, severity, description
FROM parsed
