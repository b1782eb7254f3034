-- Denomination: each ratio indicator (registered `ratios`: code, numerator, denominator, scale) as
-- numerator ÷ denominator × scale of the same county and year, from `latest` (registered); no value where
-- either part is missing or the denominator is 0. The evidence is the numerator's submission.
SELECT n.region_code, r.code AS indicator_code, n.year,
       CASE WHEN d.value <> 0 THEN n.value / d.value * r.scale END AS value,
       greatest(n.submission_id, d.submission_id) AS submission_id,
       '由' || r.numerator_name || '÷' || r.denominator_name || '计算' AS note
FROM ratios r
JOIN latest n ON n.indicator_code = r.numerator
JOIN latest d ON d.indicator_code = r.denominator AND d.region_code = n.region_code AND d.year = n.year
