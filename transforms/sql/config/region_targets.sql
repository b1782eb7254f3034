-- The per-region targets of data/targets/<framework>.csv (registered as `targets`) into region_target;
-- rows whose op is $not_applicable (不涉及) declare the indicator not applicable instead (next step).
INSERT INTO region_target BY NAME
SELECT framework AS framework_id, indicator AS indicator_code, region_code,
       CAST(year AS INTEGER) AS year, op, CAST(value AS DOUBLE) AS value, source
FROM targets
WHERE op <> $not_applicable
