-- Indicator rows of the run. An indicator's share of its category's value, as a node's of its parent's
-- (no window needed: the category row holds Σ w of its scored indicators (`present`) and its score, so
-- Σ w·s = present·score and Σ w·ln s = present·ln score).
INSERT INTO score BY NAME
WITH parted AS (
    SELECT s.*, CASE WHEN s.normalized IS NOT NULL THEN p.weight_share * s.weight / p.present END AS weight_share,
           CASE WHEN s.normalized IS NOT NULL THEN p.contribution END AS cat_contribution,
           s.weight / p.present AS w_in_cat,
           CASE WHEN p.aggregation = 'geometric' THEN s.weight * ln(s.normalized) / nullif(p.present * ln(p.score), 0)
                ELSE s.weight * s.normalized / nullif(p.present * p.score, 0) END AS raw_part
    FROM _score s LEFT JOIN _path p ON p.year = s.year AND p.ri = s.ri AND p.ci = s.ci
)
SELECT $run_id AS run_id, c.region_code, i.code AS indicator_code,
       s.* EXCLUDE (ri, ki, ci, cat_contribution, w_in_cat, raw_part),
       s.cat_contribution * CASE WHEN s.raw_part IS NULL OR isnan(s.raw_part) THEN s.w_in_cat
                                 ELSE s.raw_part END AS contribution
FROM parted s JOIN _county c ON c.ri = s.ri JOIN _ind i ON i.ki = s.ki
