-- The framework's geometric_zero floor for indicators in a geometric category: scores below $floor are
-- raised to it before the logarithm, and the number says so.
UPDATE _score SET normalized = $floor,
    flag = coalesce(flag || '；', '') || '得分' || printf('%g', round(normalized, 4)) || '低于几何平均下限，按下限'
           || printf('%g', $floor) || '计'
FROM _cat c
WHERE _score.ci = c.ci AND c.aggregation = 'geometric' AND _score.normalized < $floor
