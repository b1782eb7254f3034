-- The signature block under a table (填报人, 审核人, 联系电话, 填报日期): the file's declaration of who
-- filled it in and checked it, shown in the steward report (frame `signed`).
INSERT INTO signature BY NAME SELECT submission_id, row_number, role, text FROM signed
