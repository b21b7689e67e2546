-- Version 6 -> 7: viewings, for the viewer profiles.
CREATE TABLE plays (
  play_id   INTEGER PRIMARY KEY,
  play_key  BLOB NOT NULL CHECK (length(play_key) = 16),
  unit_id   TEXT NOT NULL CHECK (length(unit_id) BETWEEN 1 AND 256),
  title_id  TEXT NOT NULL REFERENCES titles (title_id),
  ts        INTEGER NOT NULL CHECK (ts >= 0),
  seconds   REAL CHECK (seconds IS NULL OR seconds BETWEEN 0 AND 1e7),
  completed INTEGER NOT NULL CHECK (completed IN (0, 1))
) STRICT;
CREATE INDEX plays_unit ON plays (unit_id, ts);
