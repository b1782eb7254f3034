-- The numbers of run $run_id's year $year that the framework's data treatment or imputation changed or
-- supplied (their flag says how; scoring/prepare.py), with county and indicator names, for the method annex.
SELECT g.name AS region_name, i.name AS indicator_name, i.unit, s.value, s.flag
FROM score s JOIN region g USING (region_code)
JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.run_id = $run_id AND s.year = $year
  AND (s.flag LIKE '%缩尾处理%' OR s.flag LIKE '%变换%' OR s.flag LIKE '%插补%' OR s.flag LIKE '%插值%'
       OR s.flag LIKE '%沿用%年数据%' OR s.flag LIKE '%几何平均下限%')
ORDER BY i.position, s.region_code
