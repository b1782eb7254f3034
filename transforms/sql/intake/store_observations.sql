-- Parsed indicator values (frame `parsed`). A region given by name only is resolved to its code;
-- unknown names stay null and fail validation.
INSERT INTO observation BY NAME
SELECT p.submission_id, p.row AS row_number, p.indicator_code, p.value, p.raw_text, p.note,
       coalesce(p.region_code, r.region_code) AS region_code, $year AS year
FROM parsed p LEFT JOIN region r ON p.region_code IS NULL AND r.name = p.region_name
