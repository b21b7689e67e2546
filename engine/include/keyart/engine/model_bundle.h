// A model bundle: the learners of a whole deployment in one byte string,
// as written to a model snapshot file (the serving hook's own snapshots and
// the trainer's published models). Each learner is stored under its scope
// with its spec and its Learner::snapshot() bytes; `meta` is a JSON object
// the writer keeps beside them (the trainer's clock, who wrote it).
//
// Layout: the magic line, the manifest's length in decimal and a newline,
// the manifest JSON {"learners": [{"scope", "spec", "offset", "size"}...],
// "meta": {...}}, then the learners' bytes back to back. decode_bundle()
// checks the structure (not the learners' checksums: Learner::from_snapshot
// does) and returns nullopt for anything that is not a whole bundle.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace keyart::engine {

struct BundledLearner {
  std::string scope;
  std::string spec;
  std::string snapshot;  // Learner::snapshot() bytes
};

struct ModelBundle {
  std::vector<BundledLearner> learners;
  nlohmann::json meta = nlohmann::json::object();
};

// Who wrote a bundle (its meta's "writer"): a serving hook saving its own
// learners; the trainer publishing the model its nodes follow (learners
// without their pending decisions); the trainer checkpointing itself (whole
// learners, to resume from). A bundle without one is a serving hook's
// (written before the trainer existed).
inline constexpr std::string_view kWrittenByServe = "serve";
inline constexpr std::string_view kWrittenByTrainer = "trainer";
inline constexpr std::string_view kTrainerCheckpoint = "trainer-checkpoint";
std::string written_by(const ModelBundle& bundle);

std::string encode_bundle(const ModelBundle& bundle);
std::optional<ModelBundle> decode_bundle(std::string_view bytes);

}  // namespace keyart::engine
