-- Version 5 -> 6: an experiment's guardrail metrics (reward kinds its
-- report checks besides the metric, comma-separated).
ALTER TABLE experiments ADD COLUMN
  guardrails    TEXT NOT NULL DEFAULT '' CHECK (guardrails NOT GLOB '*[^a-z0-9_,:-]*');
