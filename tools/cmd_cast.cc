// keyart cast add|list
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "artwork_ledger.h"
#include "commands.h"
#include "json_views.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/extractor.h"
#include "keyart/artwork/image_probe.h"
#include "keyart/artwork/models.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/file_store.h"

namespace keyart::cli {

namespace {

int cast_add(Args args) {
  Subcommand cmd("cast add",
                 "--title T --actor ID [--name NAME] [--billing N] [--role R] [HEADSHOT...]",
                 "Adds an actor to a title's cast, with reference headshot photos used to\n"
                 "recognise them in artwork (each must show exactly one face; its face\n"
                 "descriptor is stored with it). An actor id is global: the same person in\n"
                 "another title keeps the same id (and headshots).");
  cmd.with_db().positional("headshot", -1);
  cmd.add_options()("title", po::value<std::string>()->required(), "title id")(
      "actor", po::value<std::string>()->required(), "actor id (e.g. a028)")(
      "name", po::value<std::string>(), "actor's display name (default: the id)")(
      "billing", po::value<int>()->default_value(1), "billing order, 1 = top billed")(
      "role", po::value<std::string>()->default_value("lead"), "lead | supporting | minor")(
      "character", po::value<std::string>()->default_value(""), "character name")(
      "headshot", po::value<std::vector<std::string>>(), "reference photo of the actor");
  if (!cmd.parse(args)) return kExitOk;
  ledger::CastMember m;
  m.title_id = cmd.get<std::string>("title");
  m.actor_id = cmd.get<std::string>("actor");
  m.actor_name = cmd.has("name") ? cmd.get<std::string>("name") : "";
  m.billing_order = cmd.get<int>("billing");
  m.role = cmd.get<std::string>("role");
  m.character_name = cmd.get<std::string>("character");
  // Read every file and compute its face descriptor before touching the
  // ledger, so a bad path or a photo without exactly one face changes nothing.
  struct Photo {
    std::string path;
    std::vector<uint8_t> bytes;
    std::string format;
    std::vector<float> descriptor;
  };
  std::vector<Photo> photos;
  std::optional<artwork::Extractor> extractor;
  for (const auto& path : cmd.list("headshot")) {
    Photo p{path, ledger::read_file_bytes(path, 64ull << 20), "", {}};
    if (!extractor) extractor.emplace();
    try {
      p.format = artwork::probe_image(p.bytes).format;
      p.descriptor = extractor->headshot_descriptor(p.bytes);
    } catch (const artwork::ArtworkError& e) {
      throw CommandError("headshot " + path + ": " + e.what());
    }
    photos.push_back(std::move(p));
  }
  auto ledger = cmd.open_ledger(false);
  ledger::Transaction tx(ledger);
  ledger::add_cast_member(ledger, m);
  for (const auto& photo : photos) {
    auto stored = ledger::store_file(ledger.files_dir(), photo.bytes, file_extension_for(photo.format));
    ledger::Headshot h;
    h.actor_id = m.actor_id;
    h.sha256 = stored.sha256;
    h.storage_path = stored.relative_path;
    h.descriptor = photo.descriptor;
    h.descriptor_model = artwork::kFaceDescriptorModel;
    ledger::add_headshot(ledger, h);
  }
  tx.commit();
  std::cout << "added " << m.actor_id << " to the cast of " << m.title_id << " with "
            << photos.size() << " headshot(s)\n";
  say_when_serving_sees_it();
  return kExitOk;
}

int cast_list(Args args) {
  Subcommand cmd("cast list", "--title T [--json]", "Lists a title's cast in billing order.");
  cmd.with_db().with_json();
  cmd.add_options()("title", po::value<std::string>()->required(), "title id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto cast = ledger::list_cast(ledger, cmd.get<std::string>("title"));
  if (cmd.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : cast) {
      nlohmann::json j = to_json(m);
      j["headshots"] = ledger::list_headshots(ledger, m.actor_id).size();
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(6) << "BILL" << std::setw(16) << "ACTOR" << std::setw(28)
            << "NAME" << std::setw(12) << "ROLE" << "HEADSHOTS\n";
  for (const auto& m : cast) {
    std::cout << std::setw(6) << m.billing_order << std::setw(16) << m.actor_id << std::setw(28)
              << m.actor_name << std::setw(12) << m.role
              << ledger::list_headshots(ledger, m.actor_id).size() << "\n";
  }
  return kExitOk;
}

}  // namespace

int cmd_cast(Args args) {
  return dispatch("cast",
                  {{"add", "add an actor (with headshots) to a title's cast", cast_add},
                   {"list", "list a title's cast", cast_list}},
                  args);
}

}  // namespace keyart::cli
