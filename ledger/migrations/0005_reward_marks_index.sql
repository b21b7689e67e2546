-- Version 4 -> 5: the index of keyart's own marks among the rewards
-- (_deferred, _activated: engine/reward.h), so the reports find the
-- decisions never shown without reading every reward.
CREATE INDEX rewards_marks ON rewards (kind, event_id)
  WHERE kind IN ('_deferred', '_activated');
