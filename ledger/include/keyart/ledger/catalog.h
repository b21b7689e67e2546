// The catalogue in the ledger: titles with their genres, actors, cast
// members (billing order and role) and actors' reference headshots. Each
// write runs in its own transaction (nested as a savepoint inside a caller's)
// and either happens whole or not at all; a missing id is kNotFound, a
// duplicate kConflict, a broken rule kInvalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct Title {
  std::string title_id;
  std::string name;
  std::string default_policy = "uniform";
  std::optional<std::string> default_variant_id;
  std::vector<std::string> genres;
  int64_t created_at = 0;  // set by add_title when 0
};

struct CastMember {
  std::string title_id;
  std::string actor_id;
  std::string actor_name;      // the actor's display name
  int billing_order = 1;       // 1 = top billed
  std::string role = "lead";   // lead | supporting | minor
  std::string character_name;
};

struct Headshot {
  int64_t headshot_id = 0;
  std::string actor_id;
  std::string sha256;
  std::string storage_path;          // relative to Ledger::files_dir()
  std::vector<float> descriptor;     // empty when not computed
  std::string descriptor_model;      // names the model that made descriptor
  int64_t added_at = 0;
};

// Rules shared with the CLI and HTTP front: ids are 1..128 printable
// characters without whitespace or '/'.
bool is_valid_id(std::string_view id);
void require_valid_id(std::string_view what, std::string_view id);

void add_title(Ledger& ledger, const Title& title);
std::optional<Title> find_title(Ledger& ledger, std::string_view title_id);
Title get_title(Ledger& ledger, std::string_view title_id);  // kNotFound if missing
std::vector<Title> list_titles(Ledger& ledger);
void set_title_default_policy(Ledger& ledger, std::string_view title_id, std::string_view spec);
void set_title_default_variant(Ledger& ledger, std::string_view title_id,
                               std::string_view variant_id);

// Adds the actor when new (a different name for an existing actor id is
// kConflict), then links them to the title.
void add_cast_member(Ledger& ledger, const CastMember& member);
std::vector<CastMember> list_cast(Ledger& ledger, std::string_view title_id);

// Returns the headshot id; the same (actor, sha256) twice returns the first.
int64_t add_headshot(Ledger& ledger, const Headshot& headshot);
std::vector<Headshot> list_headshots(Ledger& ledger, std::string_view actor_id);

// The catalogue's version: the schema's triggers raise it with every change
// to what a serving node holds (titles, genres, cast, variants and their
// features, experiments, their titles and arms), never with events. A node
// that read the catalogue at version v reloads when it sees another.
int64_t catalog_version(Ledger& ledger);

}  // namespace keyart::ledger
