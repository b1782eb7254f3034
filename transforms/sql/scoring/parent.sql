-- One level up: the categories at $depth from their parts (run from the deepest level upwards).
INSERT INTO _node BY NAME
SELECT k.year, k.ri, p.ci,
    CASE WHEN p.aggregation = 'geometric' THEN exp(sum(k.raw * ln(k.score)) / sum(k.raw))
         ELSE sum(k.raw * k.score) / sum(k.raw) END AS score,
    sum(k.mass) AS mass, sum(k.present) AS present
FROM (SELECT n.*, c.pci, coalesce(c.explicit_weight, n.mass) AS raw FROM _node n JOIN _cat c USING (ci)) k
JOIN _cat p ON p.ci = k.pci
WHERE p.depth = $depth
GROUP BY k.year, k.ri, p.ci, p.aggregation
