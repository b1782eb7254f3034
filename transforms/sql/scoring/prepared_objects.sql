-- Which of the temporary objects scoring/prepare.py makes exist, and whether each is a view or a table
-- (? : their names).
SELECT table_name, table_type FROM information_schema.tables
WHERE table_catalog = 'temp' AND table_schema = 'main' AND list_contains(?, table_name)
