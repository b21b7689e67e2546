// The plays of a batch (batch_writer.h), the same on both backends: every
// row is checked before it is inserted, so no insert breaks a rule (on
// PostgreSQL a broken rule would abort the whole transaction).
#include <cmath>
#include <unordered_map>

#include "batch_writer.h"
#include "database.h"

namespace keyart::ledger {

namespace {

// Why the play cannot be stored, or empty.
std::string play_problem(const Play& p, bool title_known) {
  if (!event_id_bytes(p.play_key)) return "play key '" + p.play_key + "' is not 32 hex digits";
  if (p.unit_id.empty() || p.unit_id.size() > kMaxUnitIdBytes) {
    return "a play's unit id must be 1 to " + std::to_string(kMaxUnitIdBytes) + " bytes";
  }
  if (p.ts < 0) return "a play's ts must not be negative";
  if (p.seconds && !(std::isfinite(*p.seconds) && *p.seconds >= 0 && *p.seconds <= 1e7)) {
    return "a play's seconds must be between 0 and 10,000,000";
  }
  if (p.unit_id.find('\0') != std::string::npos || p.title_id.find('\0') != std::string::npos) {
    return "a play's text contains a NUL byte";
  }
  if (!title_known) return "play of an unknown title '" + p.title_id + "'";
  return {};
}

}  // namespace

void write_plays(Database& db, std::span<const Play> plays, BatchResult& result) {
  if (plays.empty()) return;
  Statement exposure = db.prepare("SELECT unit_id, title_id, ts FROM exposures WHERE event_id = ?1");
  Statement title = db.prepare("SELECT 1 FROM titles WHERE title_id = ?1");
  Statement insert = db.prepare(
      "INSERT INTO plays (play_key, unit_id, title_id, ts, seconds, completed) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  std::unordered_map<std::string, bool> known;  // title -> in the catalogue
  for (size_t i = 0; i < plays.size(); ++i) {
    Play derived;
    if (plays[i].unit_id.empty() && plays[i].title_id.empty()) {
      // A play known from a play or completion reward: the viewer, title and
      // time are its exposure's (the key is the exposure's event id).
      const auto id = event_id_bytes(plays[i].play_key);
      bool found = false;
      if (id) {
        exposure.bind_blob(1, std::span<const uint8_t>(id->data(), id->size()));
        if ((found = exposure.step())) {
          derived = plays[i];
          derived.unit_id = std::string(exposure.column_text_view(0));
          derived.title_id = std::string(exposure.column_text_view(1));
          derived.ts = exposure.column_int(2);
        }
        exposure.reset();
      }
      if (!found) {
        result.rejected.push_back({false, true, i, ErrorKind::kNotFound,
                                   "no exposure with event id '" + plays[i].play_key + "'"});
        continue;
      }
    }
    const Play& p = derived.unit_id.empty() ? plays[i] : derived;
    auto [it, fresh] = known.try_emplace(p.title_id, false);
    if (fresh && p.title_id.find('\0') == std::string::npos) {
      title.bind(1, p.title_id);
      it->second = title.step();
      title.reset();
    }
    const std::string problem = play_problem(p, it->second);
    if (!problem.empty()) {
      result.rejected.push_back({false, true, i, it->second ? ErrorKind::kInvalid
                                                             : ErrorKind::kNotFound, problem});
      continue;
    }
    const engine::EventId key = *event_id_bytes(p.play_key);
    insert.bind_blob(1, std::span<const uint8_t>(key.data(), key.size()))
        .bind_static(2, p.unit_id)
        .bind_static(3, p.title_id)
        .bind(4, p.ts);
    if (p.seconds) {
      insert.bind(5, *p.seconds);
    } else {
      insert.bind(5, nullptr);
    }
    insert.bind(6, p.completed ? 1 : 0);
    insert.run();
    ++result.plays_written;
  }
}

}  // namespace keyart::ledger
