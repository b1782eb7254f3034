-- Last year's accepted values of a department, for its template's reference sheet. Parameters: department, year.
SELECT region_code, indicator_code, value, note FROM current_observation
WHERE department = ? AND year = ?
