-- Categories (`ci` = position + 1) with their parent (`pci`), depth and methods.
CREATE OR REPLACE TEMP TABLE _cat AS
SELECT c.position + 1 AS ci, p.position + 1 AS pci, c.depth, c.aggregation, c.explicit_weight,
       coalesce(p.aggregation, $index_agg) AS parent_method
FROM category c LEFT JOIN category p ON p.framework_id = c.framework_id AND p.code = c.parent
WHERE c.framework_id = $framework
