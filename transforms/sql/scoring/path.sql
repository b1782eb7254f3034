-- Each node's weight among its siblings, its share of its parent's value, the index, and the products
-- along each node's path to the index: its share of the index's weight and of its value.
CREATE OR REPLACE TEMP TABLE _path AS
WITH RECURSIVE k AS (
    SELECT n.*, c.pci, c.depth, c.aggregation, c.parent_method, coalesce(c.explicit_weight, n.mass) AS raw
    FROM _node n JOIN _cat c USING (ci)
), siblings AS (  -- sums per parent joined back (cheaper than windows over many small partitions)
    SELECT year, ri, coalesce(pci, 0) AS pci, sum(raw) AS raw_total, sum(raw * score) AS raw_s,
           sum(raw * ln(score)) AS raw_ln
    FROM k GROUP BY year, ri, coalesce(pci, 0)
), parted AS (
    SELECT k.* EXCLUDE (raw), k.raw / s.raw_total AS weight,
        CASE WHEN k.parent_method = 'geometric' THEN k.raw * ln(k.score) / nullif(s.raw_ln, 0)
             ELSE k.raw * k.score / nullif(s.raw_s, 0) END AS raw_part
    FROM k JOIN siblings s ON s.year = k.year AND s.ri = k.ri AND s.pci = coalesce(k.pci, 0)
), node_w AS (
    -- a degenerate parent (all parts 1 under a geometric mean, or a part 0) shares by weight
    SELECT * EXCLUDE (raw_part), CASE WHEN raw_part IS NULL OR isnan(raw_part) THEN weight ELSE raw_part END AS part
    FROM parted
), idx AS (
    SELECT year, ri,
        CASE WHEN $index_agg = 'geometric' THEN exp(sum(weight * ln(score))) ELSE sum(weight * score) END AS gdi
    FROM node_w WHERE pci IS NULL GROUP BY year, ri
), lineage(ci, ancestor) AS (
    SELECT ci, ci FROM _cat
    UNION ALL
    SELECT l.ci, c.pci FROM lineage l JOIN _cat c ON c.ci = l.ancestor WHERE c.pci IS NOT NULL
), products AS (
    SELECT n.year, n.ri, n.ci, product(a.part) AS path_part, product(a.weight) AS weight_share
    FROM node_w n JOIN lineage l USING (ci) JOIN node_w a ON a.year = n.year AND a.ri = n.ri AND a.ci = l.ancestor
    GROUP BY n.year, n.ri, n.ci
)
SELECT n.*, p.weight_share, i.gdi * p.path_part AS contribution, i.gdi
FROM node_w n JOIN products p USING (year, ri, ci) JOIN idx i USING (year, ri)
