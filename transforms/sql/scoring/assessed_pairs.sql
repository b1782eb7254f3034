-- Every (county, indicator, year) an indicator applies to, for the years with accepted data up to $last:
-- assessed in the county's zone (zone weight not 0) and not declared not applicable; with the county's peer
-- group ($peer_column of region, filled in by prepare.py after checking it is a column). Counties: `wanted`.
WITH years AS (
    SELECT DISTINCT year FROM current_observation WHERE year <= $last
)
SELECT r.region_code, i.code AS indicator_code, y.year, CAST(r.$peer_column AS VARCHAR) AS peer
FROM wanted w JOIN region r USING (region_code)
CROSS JOIN indicator i CROSS JOIN years y
LEFT JOIN indicator_zone_weight zw ON zw.framework_id = i.framework_id AND zw.indicator_code = i.code
                                  AND zw.zone = r.zone
WHERE i.framework_id = $framework AND coalesce(zw.weight, i.weight) > 0
  AND NOT EXISTS (SELECT 1 FROM indicator_not_applicable n
                  WHERE n.framework_id = $framework AND n.region_code = r.region_code AND n.indicator_code = i.code
                    AND (n.year IS NULL OR n.year = y.year))
