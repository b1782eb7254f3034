-- The synthetic-data notes of the jurisdiction and its counties (regions.csv `synthetic_note`):
-- a configuration that says it is invented. Parameters: $jurisdiction.
SELECT DISTINCT trim(synthetic_note) FROM region
WHERE (region_code = $jurisdiction OR parent_code = $jurisdiction) AND trim(coalesce(synthetic_note, '')) <> ''
ORDER BY 1
