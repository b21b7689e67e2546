// Runs a task once, after a delay, on the caller's event loop. keyart serve's
// HTTP server offers one with every request it hands to the handler (a
// boost::asio::steady_timer on the server's io_context); the service uses it
// for the deadline of a reward's acknowledgement (Service::reward).
#pragma once

#include <chrono>
#include <functional>

namespace keyart::serving {

using RunAfter = std::function<void(std::chrono::milliseconds delay, std::function<void()> task)>;

}  // namespace keyart::serving
