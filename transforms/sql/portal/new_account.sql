-- A new portal account (SQLite). Parameters: name, role, department (NULL unless role is
-- 'department'), argon2 password hash, created_at, password_changed_at.
INSERT INTO account (name, role, department, password_hash, created_at, password_changed_at)
VALUES (?, ?, ?, ?, ?, ?)
