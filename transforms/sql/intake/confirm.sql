-- A held submission confirmed: the confirmation is kept beside the submission (the submission is then
-- accepted, and becomes current if it is the newest accepted version of its department, year and kind).
INSERT INTO confirmation VALUES ($sid, $role, $person, $reason, now())
