-- The vetoed counties with the names of the rules that hit them. Parameters: run_id.
SELECT g.name, list(DISTINCT h.rule_name ORDER BY h.rule_name) FROM veto_hit h
JOIN region g USING (region_code) WHERE h.run_id = ? GROUP BY g.name ORDER BY g.name
