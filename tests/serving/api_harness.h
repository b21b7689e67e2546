// The serving API's handler (make_api_handler, what keyart serve runs) over
// a Service on the ServingFixture ledger, called in process without the
// network: post() returns the answer, waiting for it as a client would
// (reward answers come after their ledger commit).
#pragma once

#include <future>
#include <memory>
#include <string>

#include "keyart/serving/http_api.h"
#include "serving/serving_fixture.h"

namespace keyart::testing {

struct ApiHarness {
  ServingFixture f;
  std::unique_ptr<serving::Service> service = serving::Service::open(f.options());
  serving::MetricsRegistry registry;
  serving::HttpHandler handler = serving::make_api_handler(*service, registry, serving::ApiOptions{});

  serving::HttpResponse post(const std::string& path, const std::string& body) {
    serving::HttpRequest req{.method = "POST", .target = path, .body = body};
    auto answer = std::make_shared<std::promise<serving::HttpResponse>>();
    handler(std::move(req), [answer](serving::HttpResponse r) { answer->set_value(std::move(r)); });
    return answer->get_future().get();
  }
  ~ApiHarness() { service->shutdown(); }
};

}  // namespace keyart::testing
