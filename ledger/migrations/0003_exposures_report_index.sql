-- Version 2 -> 3: the reports' index covers every column a report pass reads,
-- so report scans never seek into the exposures table.
DROP INDEX exposures_experiment_ts;
CREATE INDEX exposures_report
  ON exposures (experiment_id, ts, arm_id, unit_id, variant_id, event_id, device, country, hour);
