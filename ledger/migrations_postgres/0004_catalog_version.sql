-- Version 3 -> 4: the catalogue's version, raised by triggers on every
-- catalogue table, for serving nodes to see changes without an admin call.
-- The catalogue's version: raised by every change to what a serving node
-- holds in memory (titles with their genres and cast, variants with their
-- features, experiments with their titles and arms), never by events, so a
-- running keyart serve reads one row to know it must reload. One statement,
-- one raise. (Added in version 4.)
CREATE TABLE catalog_version (
  id      BIGINT PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL CHECK (version >= 0)
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
CREATE FUNCTION keyart_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalog_version SET version = version + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER titles_catalog_insert AFTER INSERT ON titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER titles_catalog_update AFTER UPDATE ON titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER titles_catalog_delete AFTER DELETE ON titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER title_genres_catalog_insert AFTER INSERT ON title_genres
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER title_genres_catalog_update AFTER UPDATE ON title_genres
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER title_genres_catalog_delete AFTER DELETE ON title_genres
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER cast_members_catalog_insert AFTER INSERT ON cast_members
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER cast_members_catalog_update AFTER UPDATE ON cast_members
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER cast_members_catalog_delete AFTER DELETE ON cast_members
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variants_catalog_insert AFTER INSERT ON variants
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variants_catalog_update AFTER UPDATE ON variants
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variants_catalog_delete AFTER DELETE ON variants
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variant_features_catalog_insert AFTER INSERT ON variant_features
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variant_features_catalog_update AFTER UPDATE ON variant_features
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER variant_features_catalog_delete AFTER DELETE ON variant_features
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiments_catalog_insert AFTER INSERT ON experiments
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiments_catalog_update AFTER UPDATE ON experiments
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiments_catalog_delete AFTER DELETE ON experiments
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiment_titles_catalog_insert AFTER INSERT ON experiment_titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiment_titles_catalog_update AFTER UPDATE ON experiment_titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER experiment_titles_catalog_delete AFTER DELETE ON experiment_titles
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER arms_catalog_insert AFTER INSERT ON arms
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER arms_catalog_update AFTER UPDATE ON arms
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
CREATE TRIGGER arms_catalog_delete AFTER DELETE ON arms
  FOR EACH STATEMENT EXECUTE FUNCTION keyart_catalog_changed();
