-- Version 5 -> 6: an experiment's guardrail metrics (reward kinds its
-- report checks besides the metric, comma-separated).
ALTER TABLE experiments ADD COLUMN
  guardrails    TEXT COLLATE "C" NOT NULL DEFAULT '' CHECK (guardrails ~ '^[a-z0-9_,:-]*$');
