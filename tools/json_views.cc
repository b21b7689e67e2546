#include "json_views.h"

#include "cli.h"

namespace keyart::cli {

namespace {
template <typename T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json optional_time(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(format_time_ms(*v)) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json to_json(const ledger::Title& t) {
  return {{"title_id", t.title_id},
          {"name", t.name},
          {"genres", t.genres},
          {"default_policy", t.default_policy},
          {"default_variant_id", optional_json(t.default_variant_id)},
          {"created_at", format_time_ms(t.created_at)}};
}

nlohmann::json to_json(const ledger::CastMember& m) {
  return {{"actor_id", m.actor_id},       {"name", m.actor_name},
          {"billing_order", m.billing_order}, {"role", m.role},
          {"character", m.character_name}};
}

nlohmann::json to_json(const ledger::Variant& v) {
  return {{"variant_id", v.variant_id},
          {"title_id", v.title_id},
          {"kind", v.kind},
          {"status", v.status},
          {"sha256", optional_json(v.sha256)},
          {"format", optional_json(v.format)},
          {"width", optional_json(v.width)},
          {"height", optional_json(v.height)},
          {"bytes", optional_json(v.bytes)},
          {"storage_path", optional_json(v.storage_path)},
          {"uri", v.uri},
          {"original_name", v.original_name},
          {"uploaded_at", format_time_ms(v.uploaded_at)},
          {"uploaded_by", v.uploaded_by},
          {"retired_at", optional_time(v.retired_at)}};
}

nlohmann::json to_json(const ledger::Experiment& e) {
  nlohmann::json arms = nlohmann::json::array();
  for (const auto& a : e.arms) {
    arms.push_back({{"arm_id", a.arm_id},
                    {"policy", a.policy_spec},
                    {"traffic_share", a.traffic_share},
                    {"control", a.is_control}});
  }
  return {{"experiment_id", e.experiment_id},
          {"name", e.name},
          {"description", e.description},
          {"status", e.status},
          {"source", e.source},
          {"salt", e.salt},
          {"metric", e.metric},
          {"guardrails", e.guardrails},
          {"titles", e.title_ids},
          {"arms", arms},
          {"created_at", format_time_ms(e.created_at)},
          {"started_at", optional_time(e.started_at)},
          {"stopped_at", optional_time(e.stopped_at)}};
}

}  // namespace keyart::cli
