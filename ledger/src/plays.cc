#include "keyart/ledger/plays.h"

#include <span>

#include "database.h"
#include "keyart/engine/event_id.h"
#include "keyart/ledger/file_store.h"

namespace keyart::ledger {

namespace {

constexpr const char* kPlayColumns =
    "SELECT play_id, play_key, unit_id, title_id, ts, seconds, completed FROM plays ";

StoredPlay read_play(const Statement& st) {
  StoredPlay p;
  p.play_id = st.column_int(0);
  const auto key = st.column_blob_view(1);
  engine::EventId id{};
  std::copy_n(key.begin(), std::min(key.size(), id.size()), id.begin());
  p.play_key = engine::to_hex(id);
  p.unit_id = std::string(st.column_text_view(2));
  p.title_id = std::string(st.column_text_view(3));
  p.ts = st.column_int(4);
  if (!st.is_null(5)) p.seconds = st.column_double(5);
  p.completed = st.column_int(6) != 0;
  return p;
}

// Steps st, handing each row to fn; returns how many.
size_t each_play(Statement& st, const std::function<void(const StoredPlay&)>& fn) {
  size_t n = 0;
  while (st.step()) {
    fn(read_play(st));
    ++n;
  }
  return n;
}

}  // namespace

std::string play_key_of(std::string_view unit_id, std::string_view title_id, int64_t ts_ms) {
  std::string text = "keyart play\n";
  text.append(unit_id).push_back('\n');
  text.append(title_id).push_back('\n');
  text += std::to_string(ts_ms);
  return sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()))
      .substr(0, 32);
}

size_t for_each_play_of(Ledger& ledger, std::string_view unit_id,
                        const std::function<void(const StoredPlay&)>& fn) {
  Statement st = ledger.db().prepare(std::string(kPlayColumns) +
                                     "WHERE unit_id = ?1 ORDER BY ts, play_id");
  st.bind(1, unit_id);
  return each_play(st, fn);
}

size_t for_each_play(Ledger& ledger, int64_t after_play_id,
                     const std::function<void(const StoredPlay&)>& fn) {
  Statement st = ledger.db().prepare_scan(std::string(kPlayColumns) +
                                          "WHERE play_id > ?1 ORDER BY play_id");
  st.bind(1, after_play_id);
  return each_play(st, fn);
}

int64_t count_plays(Ledger& ledger) { return ledger.db().query_int("SELECT count(*) FROM plays"); }

}  // namespace keyart::ledger
