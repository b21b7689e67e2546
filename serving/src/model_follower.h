// Following the trainer's published models (ServiceOptions::ModelSource::
// kLedger). adopt_newest_model() looks for a trainer bundle newer than the
// adopted one and, if there is one, swaps each learner's policy for the
// published one (Learner::adopt_model: decisions never pause; each reports
// the version that made it). Scopes the node has no learner for yet get one.
// run_model_follower() polls until the service stops; a failed poll (the
// ledger away, a file not yet visible) is counted and retried.
#pragma once

#include "service_impl.h"

namespace keyart::serving {

// True when a newer model was adopted.
bool adopt_newest_model(Service::Impl& impl);
void run_model_follower(Service::Impl& impl);

}  // namespace keyart::serving
