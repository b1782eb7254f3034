-- Indicators of $framework (`ki` = position + 1) with their category's `ci`.
CREATE OR REPLACE TEMP TABLE _ind AS
SELECT i.*, i.position + 1 AS ki, c.position + 1 AS ci
FROM indicator i JOIN category c ON c.framework_id = i.framework_id AND c.code = i.category
WHERE i.framework_id = $framework
