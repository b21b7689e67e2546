-- Version 7 -> 8: everyone's viewing per title, for fitted profiles.
CREATE TABLE title_viewing (
  title_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES titles (title_id) ON DELETE CASCADE,
  weight      DOUBLE PRECISION NOT NULL CHECK (weight BETWEEN 0 AND 1e15),
  computed_at BIGINT NOT NULL CHECK (computed_at >= 0)
);
CREATE TRIGGER title_viewing_catalog_insert AFTER INSERT ON title_viewing
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER title_viewing_catalog_update AFTER UPDATE ON title_viewing
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER title_viewing_catalog_delete AFTER DELETE ON title_viewing
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
