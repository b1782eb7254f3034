-- The framework's geometric_zero floor: scores below $floor of indicators under a geometric mean ($codes)
-- are raised to it before the logarithm, and the number says so.
UPDATE _score SET normalized = $floor,
    flag = coalesce(flag || '；', '') || '得分' || printf('%g', round(normalized, 4)) || '低于几何平均下限，按下限'
           || printf('%g', $floor) || '计'
FROM _ind i
WHERE _score.ki = i.ki AND list_contains($codes, i.code) AND _score.normalized < $floor
