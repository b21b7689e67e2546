-- Version 7 -> 8: everyone's viewing per title, for fitted profiles.
CREATE TABLE title_viewing (
  title_id    TEXT PRIMARY KEY REFERENCES titles (title_id) ON DELETE CASCADE,
  weight      REAL NOT NULL CHECK (weight BETWEEN 0 AND 1e15),
  computed_at INTEGER NOT NULL CHECK (computed_at >= 0)
) STRICT;
CREATE TRIGGER title_viewing_catalog_insert AFTER INSERT ON title_viewing
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER title_viewing_catalog_update AFTER UPDATE ON title_viewing
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER title_viewing_catalog_delete AFTER DELETE ON title_viewing
BEGIN UPDATE catalog_version SET version = version + 1; END;
