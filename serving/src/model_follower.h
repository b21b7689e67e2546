// Following the trainer's published models (ServiceOptions::ModelSource::
// kLedger). adopt_newest_model() looks for a trainer bundle newer than the
// adopted one and, if there is one, swaps each learner's policy for the
// published one (Learner::adopt_model: decisions never pause; each reports
// the version that made it). Scopes the node has no learner for yet get one.
// run_model_follower() polls until the service stops; a failed poll (the
// ledger away, a file not yet visible) is counted and retried.
// rebuild_churn_limits() fills the churn-limit tables from the ledger's
// decisions of the last sticky_ms (every node's: the node cannot tell
// which viewers the load balancer sends it), so a restarted node keeps
// showing its viewers what they saw before it went down.
#pragma once

#include "service_impl.h"

namespace keyart::serving {

// True when a newer model was adopted.
bool adopt_newest_model(Service::Impl& impl);
void rebuild_churn_limits(Service::Impl& impl);
void run_model_follower(Service::Impl& impl);

}  // namespace keyart::serving
