-- Counties (`ri`: position in $regions, sorted codes) with their main functional zone.
CREATE OR REPLACE TEMP TABLE _county AS
SELECT g.ri, g.region_code, r.zone
FROM (SELECT unnest($regions) AS region_code, generate_subscripts($regions, 1) AS ri) g
JOIN region r USING (region_code)
