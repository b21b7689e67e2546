-- Version 3 -> 4: the catalogue's version, raised by triggers on every
-- catalogue table, for serving nodes to see changes without an admin call.
-- The catalogue's version: raised by every change to what a serving node
-- holds in memory (titles with their genres and cast, variants with their
-- features, experiments with their titles and arms), never by events, so a
-- running keyart serve reads one row to know it must reload. (Added in
-- version 4.)
CREATE TABLE catalog_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL CHECK (version >= 0)
) STRICT;
INSERT INTO catalog_version (id, version) VALUES (1, 0);
CREATE TRIGGER titles_catalog_insert AFTER INSERT ON titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER titles_catalog_update AFTER UPDATE ON titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER titles_catalog_delete AFTER DELETE ON titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER title_genres_catalog_insert AFTER INSERT ON title_genres
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER title_genres_catalog_update AFTER UPDATE ON title_genres
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER title_genres_catalog_delete AFTER DELETE ON title_genres
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER cast_members_catalog_insert AFTER INSERT ON cast_members
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER cast_members_catalog_update AFTER UPDATE ON cast_members
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER cast_members_catalog_delete AFTER DELETE ON cast_members
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variants_catalog_insert AFTER INSERT ON variants
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variants_catalog_update AFTER UPDATE ON variants
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variants_catalog_delete AFTER DELETE ON variants
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variant_features_catalog_insert AFTER INSERT ON variant_features
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variant_features_catalog_update AFTER UPDATE ON variant_features
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER variant_features_catalog_delete AFTER DELETE ON variant_features
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiments_catalog_insert AFTER INSERT ON experiments
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiments_catalog_update AFTER UPDATE ON experiments
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiments_catalog_delete AFTER DELETE ON experiments
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiment_titles_catalog_insert AFTER INSERT ON experiment_titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiment_titles_catalog_update AFTER UPDATE ON experiment_titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER experiment_titles_catalog_delete AFTER DELETE ON experiment_titles
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER arms_catalog_insert AFTER INSERT ON arms
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER arms_catalog_update AFTER UPDATE ON arms
BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER arms_catalog_delete AFTER DELETE ON arms
BEGIN UPDATE catalog_version SET version = version + 1; END;
