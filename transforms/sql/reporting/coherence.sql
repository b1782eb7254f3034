-- The statistical coherence of run $run_id's year $year (scoring/coherence.py), per indicator in framework
-- order, with names.
SELECT i.name AS indicator_name, c.name AS category_name, h.n, h.r_category, h.r_index, h.nominal_weight,
       h.effective_importance, h.rank_shift_mean, h.rank_shift_max
FROM coherence_indicator h
JOIN indicator i ON i.framework_id = $framework AND i.code = h.indicator_code
JOIN category c ON c.framework_id = $framework AND c.code = h.category
WHERE h.run_id = $run_id AND h.year = $year
ORDER BY i.position
