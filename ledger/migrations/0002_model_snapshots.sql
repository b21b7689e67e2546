-- Version 1 -> 2: the serving hook records its model snapshots.
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
