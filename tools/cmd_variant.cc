// keyart variant upload|list|show|retire|restore|inspect|sheet: the
// designers' commands for a title's artwork variants.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "artwork_ledger.h"
#include "commands.h"
#include "json_views.h"
#include "keyart/artwork/errors.h"
#include "keyart/artwork/near_duplicate.h"
#include "keyart/artwork/render.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/file_store.h"
#include "keyart/ledger/variant_stats.h"
#include "upload_progress.h"

namespace keyart::cli {

namespace {

namespace fs = std::filesystem;

// Every file named, and every visible regular file of every folder named
// (not recursive), in name order within a folder.
std::vector<fs::path> collect_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(input, ec)) {
        std::string name = e.path().filename().string();
        if (!name.empty() && name[0] != '.' && e.is_regular_file(ec)) found.push_back(e.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(input);
    }
  }
  return files;
}

struct Outcome {
  std::string file;
  std::string status;  // added | would_add | duplicate | near_duplicate | refused
  std::string variant_id;
  std::string reason;  // refusals: the reason word
  std::string detail;  // refusals: the one-line message
  std::optional<artwork::FeatureRecord> record;
};

struct KnownImage {
  std::string variant_id;
  artwork::Fingerprint fingerprint;
};

nlohmann::json outcome_json(const Outcome& o) {
  nlohmann::json j = {{"file", o.file}, {"status", o.status}};
  if (!o.variant_id.empty()) j["variant_id"] = o.variant_id;
  if (!o.reason.empty()) j["reason"] = o.reason;
  if (!o.detail.empty()) j["detail"] = o.detail;
  if (o.record) {
    j["arm_features"] = artwork::arm_features_json(o.record->arm);
    nlohmann::json near = nlohmann::json::array();
    for (const auto& d : o.record->near_duplicates) near.push_back({{"variant_id", d.variant_id}, {"kind", d.kind}});
    j["near_duplicates"] = near;
  }
  return j;
}

std::string near_text(const std::vector<artwork::NearDuplicate>& near) {
  std::string out;
  for (const auto& d : near) out += (out.empty() ? "" : ", ") + d.variant_id + " (" + d.kind + ")";
  return out;
}

std::string outcome_text(const Outcome& o) {
  if (o.status == "refused") return "refused: " + o.detail;
  if (o.status == "duplicate") return "duplicate of " + o.variant_id + " (same bytes), skipped";
  if (o.status == "near_duplicate") return "near-duplicate of " + near_text(o.record->near_duplicates) + ", skipped";
  std::string text = (o.status == "added" ? "added " + o.variant_id : std::string("would add")) + " (" +
                     o.record->arm.style + ", " + std::to_string(o.record->arm.n_faces) + " faces, featured " +
                     o.record->arm.featured_actor + ")";
  if (!o.record->near_duplicates.empty()) text += "; near-duplicate of " + near_text(o.record->near_duplicates);
  return text;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw CommandError("cannot write " + path + ": check the folder exists and is writable");
}

int variant_upload(Args args) {
  Subcommand cmd("variant upload", "--title T FILE|DIR... [--dry-run] [--skip-near-duplicates]",
                 "Validates each image, extracts its features (faces matched to the title's\n"
                 "cast), stores it content-addressed beside the ledger and records it as an\n"
                 "active variant. A folder uploads every file in it. One bad file never stops\n"
                 "the others; each file is recorded whole or not at all. A file whose bytes\n"
                 "are already a variant of the title is skipped; a near-duplicate (re-encoded,\n"
                 "resized or cropped copy) is flagged, or skipped with --skip-near-duplicates.\n"
                 "Exit code 1 when any file was refused.");
  cmd.with_db().with_json().positional("file", -1);
  cmd.add_options()("title", po::value<std::string>()->required(), "title id")(
      "file", po::value<std::vector<std::string>>(), "image file or folder")(
      "dry-run", "validate and extract, show what would happen, store nothing")(
      "skip-near-duplicates", "do not add images that nearly repeat an existing variant")(
      "by", po::value<std::string>()->default_value(""), "who uploads (recorded with each variant)");
  add_image_limit_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  std::string title = cmd.get<std::string>("title");
  bool dry_run = cmd.has("dry-run"), skip_near = cmd.has("skip-near-duplicates");
  auto files = collect_files(cmd.list("file"));
  if (files.empty()) throw UsageError("no files to upload: name image files or folders");
  artwork::ExtractorOptions options = extractor_options(cmd);

  auto ledger = cmd.open_ledger(dry_run);
  ledger::get_title(ledger, title);
  artwork::CastGallery gallery = load_cast_gallery(ledger, title);
  std::vector<KnownImage> known;
  for (const auto& v : ledger::list_variants(ledger, title, true)) {
    if (auto r = stored_record(ledger, v.variant_id)) known.push_back({v.variant_id, r->fingerprint});
  }
  artwork::Extractor extractor(options);

  std::ostream& log = cmd.json() ? std::cerr : std::cout;
  bool terminal = !cmd.json() && isatty(STDOUT_FILENO);
  if (!gallery.has_descriptors()) {
    std::cerr << "keyart: note: title '" << title
              << "' has no cast headshots: faces will not be identified ('keyart cast add')\n";
  }
  UploadProgress progress(log, static_cast<int>(files.size()), terminal);
  std::vector<Outcome> outcomes;
  std::set<std::string> batch_hashes;
  for (size_t i = 0; i < files.size(); ++i) {
    Outcome o;
    o.file = files[i].string();
    try {
      auto bytes = ledger::read_file_bytes(files[i], options.limits.max_bytes);
      auto record = extractor.extract(bytes, &gallery);
      std::string sha = ledger::sha256_hex(bytes);
      if (auto dup = ledger::find_variant_by_sha256(ledger, title, sha)) {
        o.status = "duplicate";
        o.variant_id = dup->variant_id;
      } else if (batch_hashes.count(sha)) {
        o.status = "duplicate";
        o.variant_id = "an earlier file of this upload";
      } else {
        for (const auto& k : known) {
          auto check = artwork::compare_fingerprints(record.fingerprint, k.fingerprint);
          if (check.duplicate()) record.near_duplicates.push_back({k.variant_id, check.kind});
        }
        if (skip_near && !record.near_duplicates.empty()) {
          o.status = "near_duplicate";
        } else if (dry_run) {
          o.status = "would_add";
          batch_hashes.insert(sha);
          known.push_back({files[i].filename().string(), record.fingerprint});
        } else {
          auto stored = ledger::store_file(ledger.files_dir(), bytes,
                                                file_extension_for(record.image.format));
          ledger::Variant v;
          v.variant_id = ledger::next_variant_id(ledger, title);
          v.title_id = title;
          v.sha256 = stored.sha256;
          v.format = record.image.format;
          v.width = record.image.width;
          v.height = record.image.height;
          v.bytes = static_cast<int64_t>(bytes.size());
          v.storage_path = stored.relative_path;
          v.uri = stored.relative_path;
          v.original_name = files[i].filename().string();
          v.uploaded_by = cmd.get<std::string>("by");
          ledger::VariantFeatures f;
          f.variant_id = v.variant_id;
          f.extractor_version = artwork::kExtractorVersion;
          f.features_json = artwork::to_json(record).dump();
          f.vector = artwork::feature_vector(record);
          ledger::add_variant(ledger, v, f);
          o.status = "added";
          o.variant_id = v.variant_id;
          batch_hashes.insert(sha);
          known.push_back({v.variant_id, record.fingerprint});
        }
      }
      o.record = std::move(record);
    } catch (const artwork::ArtworkError& e) {
      o.status = "refused";
      o.reason = artwork::refusal_name(e.reason());
      o.detail = o.file + ": " + e.what();
    } catch (const ledger::LedgerError& e) {
      if (e.kind() == ledger::ErrorKind::kBusy || e.kind() == ledger::ErrorKind::kReadOnly) throw;
      o.status = "refused";
      o.reason = ledger::error_kind_name(e.kind());
      o.detail = o.file + ": " + e.what();
    }
    progress.step(static_cast<int>(i + 1), files[i].filename().string(), outcome_text(o));
    outcomes.push_back(std::move(o));
  }
  progress.finish();

  auto count = [&](std::initializer_list<const char*> statuses) {
    return std::count_if(outcomes.begin(), outcomes.end(), [&](const Outcome& o) {
      return std::any_of(statuses.begin(), statuses.end(), [&](const char* s) { return o.status == s; });
    });
  };
  auto added = count({"added", "would_add"}), duplicates = count({"duplicate", "near_duplicate"}),
       refused = count({"refused"});
  if (cmd.json()) {
    nlohmann::json out = {{"title", title},     {"dry_run", dry_run},       {"added", added},
                          {"duplicates", duplicates}, {"refused", refused}, {"files", nlohmann::json::array()}};
    for (const auto& o : outcomes) out["files"].push_back(outcome_json(o));
    std::cout << out.dump(2) << "\n";
  } else {
    if (terminal) {
      for (const auto& o : outcomes) {
        std::cout << fs::path(o.file).filename().string() << ": " << outcome_text(o) << "\n";
      }
    }
    std::cout << (dry_run ? "dry run, nothing stored: " : "") << "title " << title << ": " << added
              << (dry_run ? " would be added, " : " added, ") << duplicates << " duplicate(s) skipped, "
              << refused << " refused\n";
    for (const auto& o : outcomes) {
      if (o.status == "refused") std::cout << "  refused " << o.detail << "\n";
    }
    if (!dry_run && added > 0) say_when_serving_sees_it();
  }
  if (refused > 0) {
    std::cerr << "keyart: error: " << refused << " of " << outcomes.size()
              << " file(s) refused (reasons above); the others were processed\n";
    return kExitRuntime;
  }
  return kExitOk;
}

int variant_list(Args args) {
  Subcommand cmd("variant list", "--title T [--all] [--json]",
                 "Lists a title's variants in upload order with their key features;\n"
                 "retired ones only with --all.");
  cmd.with_db().with_json();
  cmd.add_options()("title", po::value<std::string>()->required(), "title id")(
      "all", "include retired variants");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  std::string title = cmd.get<std::string>("title");
  ledger::get_title(ledger, title);
  auto variants = ledger::list_variants(ledger, title, cmd.has("all"));
  if (cmd.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : variants) {
      nlohmann::json j = to_json(v);
      if (auto r = stored_record(ledger, v.variant_id)) j["arm_features"] = artwork::arm_features_json(r->arm);
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(16) << "VARIANT" << std::setw(9) << "STATUS" << std::setw(11)
            << "SIZE" << std::setw(12) << "STYLE" << std::setw(14) << "FEATURED" << std::setw(7)
            << "FACES" << std::setw(8) << "COLOR" << "FILE\n";
  for (const auto& v : variants) {
    auto r = stored_record(ledger, v.variant_id);
    std::string size = v.width ? std::to_string(*v.width) + "x" + std::to_string(*v.height) : "-";
    std::cout << std::setw(16) << v.variant_id << std::setw(9) << v.status << std::setw(11) << size
              << std::setw(12) << (r ? r->arm.style : "-") << std::setw(14)
              << (r ? r->arm.featured_actor : "-") << std::setw(7)
              << (r ? std::to_string(r->arm.n_faces) : "-") << std::setw(8) << (r ? r->arm.color : "-")
              << v.original_name << "\n";
  }
  return kExitOk;
}

int variant_show(Args args) {
  Subcommand cmd("variant show", "ID [--json]", "Shows a variant and the features extracted from it.");
  cmd.with_db().with_json().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "variant id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto v = ledger::get_variant(ledger, cmd.get<std::string>("id"));
  auto features = ledger::latest_variant_features(ledger, v.variant_id);
  if (cmd.json()) {
    nlohmann::json out = {{"variant", to_json(v)}};
    out["features"] = features ? nlohmann::json::parse(features->features_json) : nlohmann::json(nullptr);
    out["extractor_version"] = features ? nlohmann::json(features->extractor_version) : nlohmann::json(nullptr);
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "variant    " << v.variant_id << " (" << v.status << ")\n"
            << "title      " << v.title_id << "\n"
            << "file       " << v.original_name << ", " << v.format.value_or("-") << " "
            << v.width.value_or(0) << "x" << v.height.value_or(0) << ", " << v.bytes.value_or(0) << " bytes\n"
            << "sha256     " << v.sha256.value_or("-") << "\n"
            << "stored at  " << v.storage_path.value_or("-") << "\n"
            << "uploaded   " << format_time_ms(v.uploaded_at)
            << (v.uploaded_by.empty() ? "" : " by " + v.uploaded_by) << "\n";
  auto r = stored_record(ledger, v.variant_id);
  if (!r) {
    std::cout << "features   " << (features ? "from extractor " + features->extractor_version : "none") << "\n";
    return kExitOk;
  }
  auto names = actor_names(ledger, v.title_id);
  std::cout << "style      " << r->arm.style << ", colour " << r->arm.color << ", brightness " << r->look.brightness
            << ", colourfulness " << r->look.colorfulness << ", text " << r->text.area << "\n"
            << "featured   " << r->arm.featured_actor;
  if (r->cast.featured_role) std::cout << " (" << *r->cast.featured_role << ", billed " << r->cast.featured_billing_order.value_or(0) << ")";
  std::cout << ", share " << r->cast.dominant_share << "\n";
  for (size_t i = 0; i < r->faces.size(); ++i) {
    const auto& f = r->faces[i];
    std::string who = f.actor_id ? *f.actor_id : "unknown";
    if (f.actor_id && names.count(*f.actor_id)) who += " (" + names[*f.actor_id] + ")";
    std::cout << "face " << i + 1 << (r->dominant_face == static_cast<int>(i) ? "*" : " ") << "    " << who
              << ", area " << f.area << ", " << f.third << "\n";
  }
  std::cout << "palette   ";
  for (const auto& c : r->look.palette) std::cout << " " << c.name << " " << c.share;
  std::cout << "\n";
  if (!r->cast.prominent_minor_actors.empty()) {
    std::cout << "warning    minor cast shown prominently:";
    for (const auto& a : r->cast.prominent_minor_actors) std::cout << " " << a;
    std::cout << "\n";
  }
  if (!r->near_duplicates.empty()) std::cout << "near-dup   " << near_text(r->near_duplicates) << "\n";
  return kExitOk;
}

int set_status(Args args, const char* action, const char* status) {
  Subcommand cmd(std::string("variant ") + action, "ID...",
                 std::string(status == std::string("retired")
                                 ? "Retires variants: the engine stops showing them; history is kept."
                                 : "Restores retired variants: the engine may show them again."));
  cmd.with_db().positional("id", -1);
  cmd.add_options()("id", po::value<std::vector<std::string>>()->required(), "variant id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(false);
  auto ids = cmd.list("id");
  ledger::Transaction tx(ledger);
  for (const auto& id : ids) ledger::set_variant_status(ledger, id, status);
  tx.commit();
  for (const auto& id : ids) std::cout << status << " " << id << "\n";
  say_when_serving_sees_it();
  return kExitOk;
}

std::vector<uint8_t> stored_image(ledger::Ledger& ledger, const ledger::Variant& v) {
  if (!v.storage_path) throw CommandError("variant '" + v.variant_id + "' has no stored image");
  return ledger::read_file_bytes(ledger.files_dir() / *v.storage_path);
}

int variant_inspect(Args args) {
  Subcommand cmd("variant inspect", "ID --out FILE.png",
                 "Draws what the engine saw on the artwork: face boxes with the cast members\n"
                 "identified (the dominant face marked *), text boxes, the palette strip and\n"
                 "the key features.");
  cmd.with_db().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "variant id")(
      "out", po::value<std::string>()->required(), "PNG file to write");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto v = ledger::get_variant(ledger, cmd.get<std::string>("id"));
  auto r = stored_record(ledger, v.variant_id);
  if (!r) throw CommandError("variant '" + v.variant_id + "' has no features from " + artwork::kExtractorVersion);
  write_file(cmd.get<std::string>("out"),
             artwork::render_inspection(stored_image(ledger, v), *r, actor_names(ledger, v.title_id)));
  std::cout << "wrote " << cmd.get<std::string>("out") << "\n";
  return kExitOk;
}

int variant_sheet(Args args) {
  Subcommand cmd("variant sheet", "--title T --out FILE.png [--all]",
                 "Draws a contact sheet of a title's variants with their key features and,\n"
                 "once they have been shown, their click-through rates from the event log.");
  cmd.with_db();
  cmd.add_options()("title", po::value<std::string>()->required(), "title id")(
      "out", po::value<std::string>()->required(), "PNG file to write")(
      "all", "include retired variants")("columns", po::value<int>()->default_value(4), "tiles per row");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  std::string title = cmd.get<std::string>("title");
  auto t = ledger::get_title(ledger, title);
  auto variants = ledger::list_variants(ledger, title, cmd.has("all"));
  if (variants.empty()) throw CommandError("title '" + title + "' has no variants to show: upload some first");
  std::map<std::string, ledger::VariantClicks> clicks;
  for (auto& c : ledger::variant_click_counts(ledger, title)) clicks[c.variant_id] = c;
  std::vector<artwork::SheetTile> tiles;
  for (const auto& v : variants) {
    artwork::SheetTile tile;
    tile.image_bytes = stored_image(ledger, v);
    tile.heading = v.variant_id + (v.status == "retired" ? " (retired)" : "");
    if (auto it = clicks.find(v.variant_id); it != clicks.end() && it->second.exposures > 0) {
      std::ostringstream ctr;
      ctr << std::fixed << std::setprecision(2) << "   CTR "
          << 100.0 * static_cast<double>(it->second.clicks) / static_cast<double>(it->second.exposures) << "% of "
          << it->second.exposures;
      tile.heading += ctr.str();
    }
    if (auto r = stored_record(ledger, v.variant_id)) {
      tile.lines.push_back(r->arm.style + ", " + r->arm.color + ", " + std::to_string(r->arm.n_faces) + " face(s)");
      tile.lines.push_back("featured: " + r->arm.featured_actor);
      std::ostringstream look;
      look << std::fixed << std::setprecision(2) << "bright " << r->look.brightness << "  colourful "
           << r->look.colorfulness << "  text " << r->text.area;
      tile.lines.push_back(look.str());
    }
    tiles.push_back(std::move(tile));
  }
  write_file(cmd.get<std::string>("out"),
             artwork::render_contact_sheet(tiles, t.name + " (" + title + "): " + std::to_string(tiles.size()) +
                                                      " variant(s)",
                                           cmd.get<int>("columns")));
  std::cout << "wrote " << cmd.get<std::string>("out") << "\n";
  return kExitOk;
}

}  // namespace

int cmd_variant(Args args) {
  return dispatch("variant",
                  {{"upload", "validate, extract and store artwork files or folders", variant_upload},
                   {"list", "list a title's variants with key features", variant_list},
                   {"show", "show a variant and its features", variant_show},
                   {"retire", "stop showing variants (history kept)",
                    [](Args a) { return set_status(a, "retire", "retired"); }},
                   {"restore", "show retired variants again",
                    [](Args a) { return set_status(a, "restore", "active"); }},
                   {"inspect", "draw what the engine saw on a variant (PNG)", variant_inspect},
                   {"sheet", "contact sheet of a title's variants (PNG)", variant_sheet}},
                  args);
}

}  // namespace keyart::cli
