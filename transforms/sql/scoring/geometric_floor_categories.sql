-- The framework's geometric_zero floor for category scores under a geometric parent or index: raised to
-- $floor before the logarithm (the category's own score in the report stays as computed in category_score).
UPDATE _node SET score = $floor
FROM _cat c
WHERE _node.ci = c.ci AND c.parent_method = 'geometric' AND _node.score < $floor
