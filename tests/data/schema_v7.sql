-- keyart ledger schema. This file is the single source of the schema: it is
-- embedded in the binary and applied to an empty ledger on open; older ledgers
-- are brought here by ledger/migrations/NNNN_*.sql, one step a version.
-- The version marker below is read by ledger/src/schema.cc; raise it
-- together with a new migration step.
--
-- Conventions: times are INTEGER Unix milliseconds (UTC); ids are TEXT chosen
-- by the user (titles, actors, experiments, arms) or by keyart (variants,
-- event ids); JSON columns are checked with json_valid().
--
-- KEYART_SCHEMA_VERSION 7

-- Catalogue ------------------------------------------------------------------

CREATE TABLE titles (
  title_id           TEXT PRIMARY KEY
                     CHECK (length(title_id) BETWEEN 1 AND 128),
  name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  default_policy     TEXT NOT NULL DEFAULT 'uniform'
                     CHECK (length(default_policy) BETWEEN 1 AND 512),
  -- The artwork shown when the engine cannot decide (fallback). NULL: the
  -- oldest active variant.
  default_variant_id TEXT REFERENCES variants (variant_id)
                     DEFERRABLE INITIALLY DEFERRED,
  created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE title_genres (
  title_id TEXT NOT NULL REFERENCES titles (title_id) ON DELETE CASCADE,
  genre    TEXT NOT NULL CHECK (length(genre) BETWEEN 1 AND 64),
  PRIMARY KEY (title_id, genre)
) STRICT, WITHOUT ROWID;

-- People appear in many titles; the bandit learns a viewer's affinity to an
-- actor across titles, so actors are global and cast_members links them.
CREATE TABLE actors (
  actor_id   TEXT PRIMARY KEY CHECK (length(actor_id) BETWEEN 1 AND 128),
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cast_members (
  title_id       TEXT NOT NULL REFERENCES titles (title_id) ON DELETE CASCADE,
  actor_id       TEXT NOT NULL REFERENCES actors (actor_id),
  billing_order  INTEGER NOT NULL CHECK (billing_order >= 1),
  role           TEXT NOT NULL CHECK (role IN ('lead', 'supporting', 'minor')),
  character_name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (title_id, actor_id)
) STRICT, WITHOUT ROWID;

-- Reference photos of an actor; the descriptor is computed by artwork/ when
-- the headshot is added (float32 little-endian, model named beside it).
CREATE TABLE headshots (
  headshot_id      INTEGER PRIMARY KEY,
  actor_id         TEXT NOT NULL REFERENCES actors (actor_id) ON DELETE CASCADE,
  sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
  storage_path     TEXT NOT NULL,
  descriptor       BLOB,
  descriptor_model TEXT,
  added_at         INTEGER NOT NULL,
  UNIQUE (actor_id, sha256),
  CHECK ((descriptor IS NULL) = (descriptor_model IS NULL))
) STRICT;

-- One artwork image of a title. kind 'image' has a stored file; 'external'
-- is an action known only by id (imported logs, simulations).
CREATE TABLE variants (
  variant_id    TEXT PRIMARY KEY CHECK (length(variant_id) BETWEEN 1 AND 160),
  title_id      TEXT NOT NULL REFERENCES titles (title_id),
  kind          TEXT NOT NULL DEFAULT 'image' CHECK (kind IN ('image', 'external')),
  sha256        TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
  format        TEXT CHECK (format IS NULL OR format IN ('jpeg', 'png', 'webp', 'bmp')),
  width         INTEGER CHECK (width IS NULL OR width > 0),
  height        INTEGER CHECK (height IS NULL OR height > 0),
  bytes         INTEGER CHECK (bytes IS NULL OR bytes > 0),
  storage_path  TEXT,
  uri           TEXT NOT NULL DEFAULT '',
  original_name TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  uploaded_at   INTEGER NOT NULL,
  uploaded_by   TEXT NOT NULL DEFAULT '',
  retired_at    INTEGER,
  UNIQUE (variant_id, title_id),
  CHECK (kind = 'external' OR (sha256 IS NOT NULL AND format IS NOT NULL AND
         width IS NOT NULL AND height IS NOT NULL AND bytes IS NOT NULL AND
         storage_path IS NOT NULL)),
  CHECK ((status = 'retired') = (retired_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX variants_title_sha ON variants (title_id, sha256)
  WHERE sha256 IS NOT NULL;

-- What artwork/ extracted from a variant, per extractor version. features is
-- the JSON feature record; vector the bandit's arm features (float64 LE).
CREATE TABLE variant_features (
  variant_id        TEXT NOT NULL REFERENCES variants (variant_id) ON DELETE CASCADE,
  extractor_version TEXT NOT NULL CHECK (length(extractor_version) BETWEEN 1 AND 64),
  features          TEXT NOT NULL CHECK (json_valid(features)),
  vector            BLOB,
  extracted_at      INTEGER NOT NULL,
  PRIMARY KEY (variant_id, extractor_version)
) STRICT, WITHOUT ROWID;

-- Experiments ----------------------------------------------------------------

-- Status moves draft -> running -> stopped, never back (triggers below).
-- guardrails: the reward kinds its report checks besides the metric,
-- comma-separated (added in version 6).
-- Imported and simulated experiments are created stopped.
CREATE TABLE experiments (
  experiment_id TEXT PRIMARY KEY CHECK (length(experiment_id) BETWEEN 1 AND 128),
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  description   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'running', 'stopped')),
  source        TEXT NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'import', 'sim')),
  salt          TEXT NOT NULL CHECK (length(salt) BETWEEN 1 AND 128),
  metric        TEXT NOT NULL DEFAULT 'click',
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  stopped_at    INTEGER,
  guardrails    TEXT NOT NULL DEFAULT '' CHECK (guardrails NOT GLOB '*[^a-z0-9_,:-]*'),
  CHECK (status = 'draft' OR started_at IS NOT NULL),
  CHECK ((status = 'stopped') = (stopped_at IS NOT NULL)),
  CHECK (stopped_at IS NULL OR stopped_at >= started_at)
) STRICT;

-- The titles an experiment covers; none listed means every title.
CREATE TABLE experiment_titles (
  experiment_id TEXT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
  title_id      TEXT NOT NULL REFERENCES titles (title_id),
  PRIMARY KEY (experiment_id, title_id)
) STRICT, WITHOUT ROWID;

-- position orders the arms for hash assignment (cumulative shares).
CREATE TABLE arms (
  experiment_id TEXT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
  arm_id        TEXT NOT NULL CHECK (length(arm_id) BETWEEN 1 AND 128),
  position      INTEGER NOT NULL CHECK (position >= 0),
  policy_spec   TEXT NOT NULL CHECK (length(policy_spec) BETWEEN 1 AND 512),
  traffic_share REAL NOT NULL CHECK (traffic_share > 0 AND traffic_share <= 1),
  is_control    INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
  PRIMARY KEY (experiment_id, arm_id),
  UNIQUE (experiment_id, position)
) STRICT;
CREATE UNIQUE INDEX arms_one_control ON arms (experiment_id) WHERE is_control = 1;

-- Leaving draft needs arms whose shares sum to 1 and exactly one control.
CREATE TRIGGER experiments_check_arms_on_start
BEFORE UPDATE OF status ON experiments
WHEN OLD.status = 'draft' AND NEW.status <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'experiment has no arms')
   WHERE NOT EXISTS (SELECT 1 FROM arms WHERE experiment_id = NEW.experiment_id);
  SELECT RAISE(ABORT, 'traffic shares of the arms must sum to 1')
   WHERE abs((SELECT total(traffic_share) FROM arms
              WHERE experiment_id = NEW.experiment_id) - 1.0) > 1e-9;
  SELECT RAISE(ABORT, 'experiment needs exactly one control arm')
   WHERE (SELECT count(*) FROM arms
          WHERE experiment_id = NEW.experiment_id AND is_control = 1) <> 1;
END;

CREATE TRIGGER experiments_status_forward_only
BEFORE UPDATE OF status ON experiments
WHEN (OLD.status = 'running' AND NEW.status = 'draft') OR
     (OLD.status = 'stopped' AND NEW.status <> 'stopped')
BEGIN
  SELECT RAISE(ABORT, 'experiment status only moves draft -> running -> stopped');
END;

CREATE TRIGGER experiments_not_created_started
BEFORE INSERT ON experiments WHEN NEW.status <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'create an experiment as draft, add its arms, then start it');
END;

CREATE TRIGGER arms_frozen_insert BEFORE INSERT ON arms
WHEN (SELECT status FROM experiments WHERE experiment_id = NEW.experiment_id) <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'arms of a started experiment cannot change');
END;
CREATE TRIGGER arms_frozen_update BEFORE UPDATE ON arms
WHEN (SELECT status FROM experiments WHERE experiment_id = OLD.experiment_id) <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'arms of a started experiment cannot change');
END;
CREATE TRIGGER arms_frozen_delete BEFORE DELETE ON arms
WHEN (SELECT status FROM experiments WHERE experiment_id = OLD.experiment_id) <> 'draft'
BEGIN
  SELECT RAISE(ABORT, 'arms of a started experiment cannot change');
END;

-- Events ---------------------------------------------------------------------

-- One decision: which variant a unit was shown, with the probability the
-- policy gave it. event_id is the 16-byte id (hex(event_id) shows the 32
-- hex digits the API uses); its first 6 bytes are the time in ms, so new ids
-- land at the end of the index. device/country/hour are copied out of context for segment
-- reports; context holds the full request features (user and context) and
-- candidates the eligible variant ids in the order the policy saw them, so a
-- model can be rebuilt, and other policies evaluated, from the log alone.
CREATE TABLE exposures (
  exposure_id   INTEGER PRIMARY KEY,
  event_id      BLOB NOT NULL UNIQUE
                CHECK (typeof(event_id) = 'blob' AND length(event_id) = 16),
  ts            INTEGER NOT NULL CHECK (ts >= 0),
  experiment_id TEXT,
  arm_id        TEXT,
  unit_id       TEXT NOT NULL CHECK (length(unit_id) BETWEEN 1 AND 256),
  title_id      TEXT NOT NULL,
  variant_id    TEXT NOT NULL,
  position      INTEGER,
  policy        TEXT NOT NULL CHECK (length(policy) BETWEEN 1 AND 512),
  model_version INTEGER NOT NULL CHECK (model_version >= 0),
  propensity    REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1),
  device        TEXT,
  country       TEXT,
  hour          INTEGER CHECK (hour IS NULL OR hour BETWEEN 0 AND 23),
  context       TEXT NOT NULL DEFAULT '{}',
  candidates    TEXT NOT NULL DEFAULT '[]',
  FOREIGN KEY (experiment_id, arm_id) REFERENCES arms (experiment_id, arm_id),
  FOREIGN KEY (variant_id, title_id) REFERENCES variants (variant_id, title_id),
  CHECK ((experiment_id IS NULL) = (arm_id IS NULL))
) STRICT;
-- The reports' index: an experiment's exposures in time order, covering every
-- column a report pass reads (arm, unit, variant, event id, segments), so a
-- report over millions of rows reads this index alone and never seeks into
-- the table (10M exposures: 9 s instead of 20 s; docs/BENCHMARKS.md).
CREATE INDEX exposures_report
  ON exposures (experiment_id, ts, arm_id, unit_id, variant_id, event_id, device, country, hour);

-- What followed a decision. At most one reward per event and kind. Kinds
-- starting with '_' are keyart's own marks, not rewards (engine/reward.h):
-- '_deferred' (written with a decision made with defer_activation: it was
-- not shown yet) and '_activated' (it was shown). Reports leave out the
-- decisions marked _deferred and never _activated.
CREATE TABLE rewards (
  reward_id INTEGER PRIMARY KEY,
  event_id  BLOB NOT NULL REFERENCES exposures (event_id),
  kind      TEXT NOT NULL
            CHECK (length(kind) BETWEEN 1 AND 32 AND kind NOT GLOB '*[^a-z0-9_]*'),
  value     REAL NOT NULL CHECK (value BETWEEN -1e12 AND 1e12),
  ts        INTEGER NOT NULL CHECK (ts >= 0),
  UNIQUE (event_id, kind)
) STRICT;
-- The marks, for the reports (added in version 5).
CREATE INDEX rewards_marks ON rewards (kind, event_id)
  WHERE kind IN ('_deferred', '_activated');

-- Viewings (docs/PROFILES.md): what a viewer played, from POST /v1/plays,
-- keyart import plays, or a play or completion reward on an exposure. The
-- viewer profiles are built from these rows alone. A viewing reported again
-- (the same play twice, a completion after its play) is another row with
-- the same play_key; the profiles count each key once, at its heaviest.
-- (Added in version 7.)
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

-- Serving ------------------------------------------------------------------

-- Model snapshots written by the serving hook (keyart serve). A snapshot
-- file holds every learner's state as of a point in the ledger: it includes
-- every exposure up to last_exposure_id and every reward up to
-- last_reward_id, so a restart loads the newest snapshot whose file is intact
-- and replays only the rows after those marks. (Added in version 2.)
CREATE TABLE model_snapshots (
  snapshot_id      INTEGER PRIMARY KEY,
  created_at       INTEGER NOT NULL,
  storage_path     TEXT NOT NULL,
  sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
  bytes            INTEGER NOT NULL CHECK (bytes > 0),
  last_exposure_id INTEGER NOT NULL CHECK (last_exposure_id >= 0),
  last_reward_id   INTEGER NOT NULL CHECK (last_reward_id >= 0),
  learners         TEXT NOT NULL CHECK (json_valid(learners))
) STRICT;

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
