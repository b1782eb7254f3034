-- Category rows of the run, with last year's score beside this year's.
INSERT INTO category_score BY NAME
SELECT $run_id AS run_id, n.year, list_extract($regions, n.ri) AS region_code,
       list_extract($categories, n.ci) AS category, list_extract($categories, n.pci) AS parent, n.depth,
       n.aggregation, n.score, n.weight, n.weight_share, n.contribution, prev.score AS previous_score
FROM _path n LEFT JOIN _path prev ON prev.year = n.year - 1 AND prev.ri = n.ri AND prev.ci = n.ci
