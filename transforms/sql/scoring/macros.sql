-- The per-year formulas, applied side by side to this year's inputs and the year before's (suffixes
-- `_c`, `_p`): one row per county and indicator rather than one per year, so that half as many rows
-- go through the normalization and last year's score is at hand for the change without a join.
CREATE OR REPLACE TEMP MACRO _used_value(reported, previous, missing) AS
    CASE WHEN reported IS NULL AND missing = 'last_year' THEN previous ELSE reported END;
CREATE OR REPLACE TEMP MACRO _used_submission(reported, submission, previous, previous_submission, missing) AS
    CASE WHEN reported IS NULL AND missing = 'last_year' AND previous IS NOT NULL THEN previous_submission
         ELSE submission END;
CREATE OR REPLACE TEMP MACRO _missing_flag(reported, note, previous, missing, not_applicable, none_anywhere) AS
    CASE WHEN not_applicable THEN '不涉及: 该地区不参与此项计算, 权数在同类指标间分摊'
         WHEN reported IS NOT NULL THEN NULL
         WHEN none_anywhere THEN '缺失' || coalesce('(报送说明: ' || note || ')', '') ||
              ': 当年各地区均无数据, 权数不变, 按该方法最低分计'
         ELSE '缺失' || coalesce('(报送说明: ' || note || ')', '') || ': ' ||
              CASE WHEN missing = 'last_year' AND previous IS NOT NULL THEN '沿用上年已审核数据'
                   WHEN missing = 'minimum' THEN '按该方法最低分计'
                   ELSE '按权重重新分配' END END;
CREATE OR REPLACE TEMP MACRO _transformed(value, log_transform) AS
    CASE WHEN NOT log_transform THEN value WHEN value > 0 THEN ln(value) END;
-- `lowest`: the lowest score of `attainment` (60 when the framework's scale is the efficacy coefficient's)
CREATE OR REPLACE TEMP MACRO _normalized(method, direction, x, value, lo, hi, mean, sd, gl, gh, target_value, cap, pr,
                                         missing, none_anywhere, lowest) AS
    coalesce(
        CASE WHEN x IS NULL THEN NULL
             WHEN method = 'efficacy' THEN
                 CASE WHEN hi = lo THEN 100.0
                      WHEN direction = 1 THEN 60 + 40 * (x - lo) / (hi - lo)
                      ELSE 60 + 40 * (hi - x) / (hi - lo) END
             WHEN method = 'minmax' THEN
                 greatest(0.0, least(100.0, 100 * CASE WHEN direction = 1 THEN (x - gl) / (gh - gl)
                                                       ELSE (gh - x) / (gh - gl) END))
             WHEN method = 'target' THEN
                 CASE WHEN target_value IS NULL OR target_value <= 0 THEN NULL
                      WHEN direction = 1 THEN 100 * least(value / target_value, cap)
                      WHEN value <= 0 THEN 100 * cap
                      ELSE 100 * least(target_value / value, cap) END
             WHEN method = 'zscore' THEN CASE WHEN sd = 0 THEN 0.0 ELSE direction * (x - mean) / sd END
             WHEN method = 'rank' THEN 100 * pr
             -- target attainment (stock indicators: compliance, not size): lowest .. 100 at the target
             WHEN method = 'attainment' THEN
                 CASE WHEN target_value IS NULL OR target_value <= 0 THEN NULL
                      WHEN direction = 1 THEN lowest + (100 - lowest) * greatest(0.0, least(value / target_value, 1.0))
                      WHEN value <= 0 THEN 100.0
                      ELSE lowest + (100 - lowest) * least(target_value / value, 1.0) END
        END,
        -- `minimum`, or no data anywhere that year: the method's lowest score (for z-scores the lowest
        -- present one; with none present, 0, the mean)
        CASE WHEN value IS NULL AND (missing = 'minimum' OR none_anywhere) THEN
            CASE method WHEN 'efficacy' THEN 60.0
                        WHEN 'attainment' THEN lowest
                        WHEN 'zscore' THEN CASE WHEN sd IS NULL OR sd = 0 THEN 0.0 WHEN direction = 1 THEN (lo - mean) / sd
                                                ELSE (mean - hi) / sd END
                        ELSE 0.0 END END);
CREATE OR REPLACE TEMP MACRO _met(value, target_op, target_value) AS
    CASE WHEN value IS NULL OR target_value IS NULL THEN NULL
         WHEN target_op = '>=' THEN value >= target_value
         WHEN target_op = '<=' THEN value <= target_value
         ELSE abs(value - target_value) < 1e-9 END;
-- +1 improved, −1 worsened, 0 unchanged (within rounding) in the indicator's own direction; NULL if a year lacks data
CREATE OR REPLACE TEMP MACRO _moved(direction, value, previous) AS
    CASE WHEN value IS NULL OR previous IS NULL THEN NULL
         WHEN abs(value - previous) <= 1e-9 * greatest(abs(previous), 1) THEN 0
         ELSE sign(direction * (value - previous)) END;
-- Min–max on the year's own bounds onto [range_lo, range_hi] (0–100 by default); all equal → range_hi.
-- Missing under `minimum`, or no data anywhere that year: range_lo.
CREATE OR REPLACE TEMP MACRO _minmax_data(direction, x, lo, hi, range_lo, range_hi, missing, none_anywhere) AS
    CASE WHEN x IS NULL THEN CASE WHEN missing = 'minimum' OR none_anywhere THEN range_lo END
         WHEN hi = lo THEN range_hi
         WHEN direction = 1 THEN range_lo + (range_hi - range_lo) * (x - lo) / (hi - lo)
         ELSE range_lo + (range_hi - range_lo) * (hi - x) / (hi - lo) END;
-- The p-quantile (0–1) of a sorted list, interpolated linearly between the two nearest values
-- (quantile_cont's definition); NULL without p or values.
CREATE OR REPLACE TEMP MACRO _percentile(xs, p) AS
    CASE WHEN p IS NULL OR len(xs) = 0 THEN NULL
         ELSE xs[CAST(floor(p * (len(xs) - 1)) AS BIGINT) + 1]
              + (p * (len(xs) - 1) - floor(p * (len(xs) - 1)))
                * (xs[least(CAST(floor(p * (len(xs) - 1)) AS BIGINT) + 2, len(xs))]
                   - xs[CAST(floor(p * (len(xs) - 1)) AS BIGINT) + 1]) END;
-- Why an indicator is left out for a year by the coverage rule.
CREATE OR REPLACE TEMP MACRO _coverage_flag(low, share, minimum) AS
    CASE WHEN low THEN '报送覆盖率' || round(100 * share, 1) || '%，低于规定的' || round(100 * minimum, 1)
                       || '%，本年度不计入，权数在同类指标间分摊' END;
