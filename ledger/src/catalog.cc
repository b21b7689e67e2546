#include "keyart/ledger/catalog.h"

#include <cstring>

#include "database.h"

namespace keyart::ledger {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c <= 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
  }
  return true;
}

void require_valid_id(std::string_view what, std::string_view id) {
  if (!is_valid_id(id)) {
    throw LedgerError(ErrorKind::kInvalid,
                      std::string(what) + " id '" + std::string(id) +
                          "' is not valid: use 1-128 characters without spaces or slashes");
  }
}

namespace {

void require_name(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 512) {
    throw LedgerError(ErrorKind::kInvalid, std::string(what) + " must be 1-512 characters");
  }
}

std::vector<std::string> genres_of(Ledger& ledger, std::string_view title_id) {
  Statement& st = ledger.db().cached(
      "SELECT genre FROM title_genres WHERE title_id = ? ORDER BY genre");
  st.bind(1, title_id);
  return st.all([](const Statement& row) { return row.column_text(0); });
}

Title title_from_row(const Statement& st) {
  Title t;
  t.title_id = st.column_text(0);
  t.name = st.column_text(1);
  t.default_policy = st.column_text(2);
  t.default_variant_id = st.column_optional_text(3);
  t.created_at = st.column_int(4);
  return t;
}

constexpr const char* kTitleColumns =
    "SELECT title_id, name, default_policy, default_variant_id, created_at FROM titles ";

}  // namespace

void add_title(Ledger& ledger, const Title& title) {
  ledger.require_writable();
  require_valid_id("title", title.title_id);
  require_name("title name", title.name);
  for (const auto& g : title.genres) {
    if (g.empty() || g.size() > 64) {
      throw LedgerError(ErrorKind::kInvalid, "genre names must be 1-64 characters");
    }
  }
  Database& db = ledger.db();
  SqlTransaction tx(db);
  if (find_title(ledger, title.title_id)) {
    throw LedgerError(ErrorKind::kConflict, "title '" + title.title_id + "' already exists");
  }
  db.cached("INSERT INTO titles (title_id, name, default_policy, created_at) VALUES (?, ?, ?, ?)")
      .bind_all(title.title_id, title.name, title.default_policy,
                title.created_at ? title.created_at : now_ms())
      .run();
  for (const auto& g : title.genres) {
    db.cached("INSERT INTO title_genres (title_id, genre) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind_all(title.title_id, g)
        .run();
  }
  tx.commit();
}

std::optional<Title> find_title(Ledger& ledger, std::string_view title_id) {
  Statement& st = ledger.db().cached(std::string(kTitleColumns) + "WHERE title_id = ?");
  st.bind(1, title_id);
  std::optional<Title> t = st.one(title_from_row);
  if (t) t->genres = genres_of(ledger, t->title_id);
  return t;
}

Title get_title(Ledger& ledger, std::string_view title_id) {
  auto t = find_title(ledger, title_id);
  if (!t) {
    throw LedgerError(ErrorKind::kNotFound, "no title '" + std::string(title_id) +
                                                "' (see 'keyart title list')");
  }
  return *t;
}

std::vector<Title> list_titles(Ledger& ledger) {
  Statement st = ledger.db().prepare(std::string(kTitleColumns) + "ORDER BY title_id");
  std::vector<Title> out = st.all(title_from_row);
  for (auto& t : out) t.genres = genres_of(ledger, t.title_id);
  return out;
}

void set_title_default_policy(Ledger& ledger, std::string_view title_id, std::string_view spec) {
  ledger.require_writable();
  SqlTransaction tx(ledger.db());
  get_title(ledger, title_id);
  ledger.db().cached("UPDATE titles SET default_policy = ? WHERE title_id = ?")
      .bind_all(spec, title_id)
      .run();
  tx.commit();
}

void set_title_default_variant(Ledger& ledger, std::string_view title_id,
                               std::string_view variant_id) {
  ledger.require_writable();
  Database& db = ledger.db();
  SqlTransaction tx(db);
  get_title(ledger, title_id);
  Statement& st = db.cached("SELECT title_id FROM variants WHERE variant_id = ?");
  st.bind(1, variant_id);
  auto owner = st.one([](const Statement& row) { return row.column_text(0); });
  if (!owner || *owner != title_id) {
    throw LedgerError(ErrorKind::kNotFound, "title '" + std::string(title_id) +
                                                "' has no variant '" + std::string(variant_id) +
                                                "'");
  }
  db.cached("UPDATE titles SET default_variant_id = ? WHERE title_id = ?")
      .bind_all(variant_id, title_id)
      .run();
  tx.commit();
}

void add_cast_member(Ledger& ledger, const CastMember& m) {
  ledger.require_writable();
  require_valid_id("actor", m.actor_id);
  std::string name = m.actor_name.empty() ? m.actor_id : m.actor_name;
  require_name("actor name", name);
  if (m.role != "lead" && m.role != "supporting" && m.role != "minor") {
    throw LedgerError(ErrorKind::kInvalid,
                      "role '" + m.role + "' is not one of lead, supporting, minor");
  }
  if (m.billing_order < 1) {
    throw LedgerError(ErrorKind::kInvalid, "billing order must be 1 or more");
  }
  Database& db = ledger.db();
  SqlTransaction tx(db);
  get_title(ledger, m.title_id);
  Statement& find = db.cached("SELECT name FROM actors WHERE actor_id = ?");
  find.bind(1, m.actor_id);
  if (auto existing = find.one([](const Statement& row) { return row.column_text(0); })) {
    if (!m.actor_name.empty() && *existing != m.actor_name) {
      throw LedgerError(ErrorKind::kConflict, "actor '" + m.actor_id + "' exists with name '" +
                                                  *existing + "', not '" + m.actor_name + "'");
    }
  } else {
    db.cached("INSERT INTO actors (actor_id, name, created_at) VALUES (?, ?, ?)")
        .bind_all(m.actor_id, name, now_ms())
        .run();
  }
  Statement& dup = db.cached("SELECT 1 FROM cast_members WHERE title_id = ? AND actor_id = ?");
  dup.bind_all(m.title_id, m.actor_id);
  if (dup.one([](const Statement&) { return true; })) {
    throw LedgerError(ErrorKind::kConflict, "actor '" + m.actor_id +
                                                "' is already in the cast of '" + m.title_id +
                                                "'");
  }
  db.cached("INSERT INTO cast_members (title_id, actor_id, billing_order, role, character_name) "
            "VALUES (?, ?, ?, ?, ?)")
      .bind_all(m.title_id, m.actor_id, int64_t{m.billing_order}, m.role, m.character_name)
      .run();
  tx.commit();
}

std::vector<CastMember> list_cast(Ledger& ledger, std::string_view title_id) {
  get_title(ledger, title_id);
  Statement& st = ledger.db().cached(
      "SELECT c.title_id, c.actor_id, a.name, c.billing_order, c.role, c.character_name "
      "FROM cast_members c JOIN actors a USING (actor_id) WHERE c.title_id = ? "
      "ORDER BY c.billing_order, c.actor_id");
  st.bind(1, title_id);
  return st.all([](const Statement& row) {
    return CastMember{.title_id = row.column_text(0),
                      .actor_id = row.column_text(1),
                      .actor_name = row.column_text(2),
                      .billing_order = static_cast<int>(row.column_int(3)),
                      .role = row.column_text(4),
                      .character_name = row.column_text(5)};
  });
}

int64_t add_headshot(Ledger& ledger, const Headshot& h) {
  ledger.require_writable();
  Database& db = ledger.db();
  SqlTransaction tx(db);
  Statement& existing =
      db.cached("SELECT headshot_id FROM headshots WHERE actor_id = ? AND sha256 = ?");
  existing.bind_all(h.actor_id, h.sha256);
  if (auto id = existing.one([](const Statement& row) { return row.column_int(0); })) {
    tx.commit();
    return *id;
  }
  Statement& ins = db.cached(
      "INSERT INTO headshots (actor_id, sha256, storage_path, descriptor, descriptor_model, "
      "added_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING headshot_id");
  ins.bind_all(h.actor_id, h.sha256, h.storage_path);
  if (h.descriptor.empty()) {
    ins.bind(4, nullptr).bind(5, nullptr);
  } else {
    ins.bind_blob(4, {reinterpret_cast<const uint8_t*>(h.descriptor.data()),
                      h.descriptor.size() * sizeof(float)});
    ins.bind(5, h.descriptor_model);
  }
  ins.bind(6, h.added_at ? h.added_at : now_ms());
  int64_t id = *ins.one([](const Statement& row) { return row.column_int(0); });
  tx.commit();
  return id;
}

std::vector<Headshot> list_headshots(Ledger& ledger, std::string_view actor_id) {
  Statement& st = ledger.db().cached(
      "SELECT headshot_id, actor_id, sha256, storage_path, descriptor, descriptor_model, "
      "added_at FROM headshots WHERE actor_id = ? ORDER BY headshot_id");
  st.bind(1, actor_id);
  return st.all([](const Statement& row) {
    Headshot h;
    h.headshot_id = row.column_int(0);
    h.actor_id = row.column_text(1);
    h.sha256 = row.column_text(2);
    h.storage_path = row.column_text(3);
    h.descriptor = row.column_array<float>(4);
    h.descriptor_model = row.column_optional_text(5).value_or("");
    h.added_at = row.column_int(6);
    return h;
  });
}

int64_t catalog_version(Ledger& ledger) {
  return ledger.db().query_int("SELECT version FROM catalog_version WHERE id = 1");
}

}  // namespace keyart::ledger
