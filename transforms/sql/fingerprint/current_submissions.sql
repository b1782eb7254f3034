-- The current version of every department's data for the year and the year before, and the cadre
-- rosters, as archived sha256 (the `submissions` part of the inputs fingerprint).
-- Parameters: year, year before.
SELECT year, department, kind, sha256 FROM current_submission WHERE year IN (?, ?)
OR kind = 'tenures' ORDER BY ALL
