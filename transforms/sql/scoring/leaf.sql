-- Leaf categories from their indicators (weights re-normalized over the indicators present).
CREATE OR REPLACE TEMP TABLE _node AS
SELECT s.year, s.ri, s.ci,
    CASE WHEN c.aggregation = 'geometric' THEN exp(sum(s.weight * ln(s.normalized)) / sum(s.weight))
         ELSE sum(s.weight * s.normalized) / sum(s.weight) END AS score,
    sum(s.weight) AS mass
FROM _score s JOIN _cat c USING (ci)
WHERE s.normalized IS NOT NULL
GROUP BY s.year, s.ri, s.ci, c.aggregation
