-- Leaf categories from their indicators (weights re-normalized over the indicators scored: `present`).
-- `mass`, the category's own weight among its siblings when it has no explicit one, also counts the
-- indicators declared not applicable: their weight stays in the category (redistributed within it),
-- while a value missing under `reweight` leaves it (dropped from the weights).
CREATE OR REPLACE TEMP TABLE _node AS
SELECT s.year, s.ri, s.ci,
    CASE WHEN c.aggregation = 'geometric'
         THEN exp(sum(s.weight * ln(s.normalized)) FILTER (s.normalized IS NOT NULL)
                  / sum(s.weight) FILTER (s.normalized IS NOT NULL))
         ELSE sum(s.weight * s.normalized) FILTER (s.normalized IS NOT NULL)
              / sum(s.weight) FILTER (s.normalized IS NOT NULL) END AS score,
    sum(s.weight) FILTER (s.normalized IS NOT NULL OR NOT s.applicable) AS mass,
    sum(s.weight) FILTER (s.normalized IS NOT NULL) AS present
FROM _score s JOIN _cat c USING (ci)
GROUP BY s.year, s.ri, s.ci, c.aggregation
HAVING count(s.normalized) > 0
