-- Cronbach's alpha per category of run $run_id's year $year (scoring/coherence.py), in framework order.
SELECT c.name AS category_name, h.parts, h.n, h.cronbach_alpha
FROM coherence_category h JOIN category c ON c.framework_id = $framework AND c.code = h.category
WHERE h.run_id = $run_id AND h.year = $year
ORDER BY c.position
