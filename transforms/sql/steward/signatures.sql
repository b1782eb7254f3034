-- The signature block under a submission's table (填报人, 审核人, 联系电话, 填报日期). Parameters: submission_id.
SELECT row_number, role, text FROM signature WHERE submission_id = ? ORDER BY row_number, role
