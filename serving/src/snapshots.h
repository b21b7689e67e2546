// Model snapshots of the serving hook, and restoring learners at start-up.
//
// take_snapshot(): with decisions and rewards paused (the gate held
// exclusively), flushes the ledger writer, reads the ledger marks (the last
// exposure and reward ids) and serialises every learner; then, with traffic
// flowing again, writes the file atomically under <ledger>.files/models/ and
// records it in the ledger's model_snapshots table.
//
// restore_learners(): loads the newest snapshot whose file is intact
// (checksum), or none, then replays the exposures and rewards after its
// marks in time order, closing wait windows as time passes, and finally up
// to now. The learners end as if the service had never stopped.
#pragma once

#include "keyart/serving/service.h"
#include "service_impl.h"

namespace keyart::serving {

SnapshotInfo take_snapshot(Service::Impl& impl);
void restore_learners(Service::Impl& impl);

}  // namespace keyart::serving
