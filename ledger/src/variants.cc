#include "keyart/ledger/variants.h"

#include <cstring>

#include "keyart/ledger/catalog.h"
#include "database.h"

namespace keyart::ledger {

namespace {

constexpr const char* kVariantColumns =
    "SELECT variant_id, title_id, kind, sha256, format, width, height, bytes, storage_path, "
    "uri, original_name, status, uploaded_at, uploaded_by, retired_at FROM variants ";

Variant variant_from_row(const Statement& st) {
  Variant v;
  v.variant_id = st.column_text(0);
  v.title_id = st.column_text(1);
  v.kind = st.column_text(2);
  v.sha256 = st.column_optional_text(3);
  v.format = st.column_optional_text(4);
  v.width = st.column_optional_int(5);
  v.height = st.column_optional_int(6);
  v.bytes = st.column_optional_int(7);
  v.storage_path = st.column_optional_text(8);
  v.uri = st.column_text(9);
  v.original_name = st.column_text(10);
  v.status = st.column_text(11);
  v.uploaded_at = st.column_int(12);
  v.uploaded_by = st.column_text(13);
  v.retired_at = st.column_optional_int(14);
  return v;
}

}  // namespace

std::string external_variant_id(std::string_view title_id, std::string_view action) {
  std::string id = std::string(title_id) + "-" + std::string(action);
  for (char& c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == '\\') c = '_';
  }
  return id;
}

std::string next_variant_id(Ledger& ledger, std::string_view title_id) {
  Statement& st = ledger.db().cached("SELECT count(*) FROM variants WHERE title_id = ?");
  st.bind(1, title_id);
  int64_t n = st.one([](const Statement& row) { return row.column_int(0); }).value_or(0);
  for (int64_t i = n + 1;; ++i) {
    std::string id = std::string(title_id) + "-v" + std::to_string(i);
    if (!find_variant(ledger, id)) return id;
  }
}

void add_variant(Ledger& ledger, const Variant& v, const std::optional<VariantFeatures>& f) {
  ledger.require_writable();
  require_valid_id("variant", v.variant_id);
  Database& db = ledger.db();
  SqlTransaction tx(db);
  get_title(ledger, v.title_id);
  if (find_variant(ledger, v.variant_id)) {
    throw LedgerError(ErrorKind::kConflict, "variant '" + v.variant_id + "' already exists");
  }
  if (v.sha256) {
    if (auto dup = find_variant_by_sha256(ledger, v.title_id, *v.sha256)) {
      throw LedgerError(ErrorKind::kConflict, "title '" + v.title_id +
                                                  "' already has this image as variant '" +
                                                  dup->variant_id + "'");
    }
  }
  db.cached("INSERT INTO variants (variant_id, title_id, kind, sha256, format, width, height, "
            "bytes, storage_path, uri, original_name, status, uploaded_at, uploaded_by, "
            "retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(v.variant_id, v.title_id, v.kind, v.sha256, v.format, v.width, v.height, v.bytes,
                v.storage_path, v.uri, v.original_name, v.status,
                v.uploaded_at ? v.uploaded_at : now_ms(), v.uploaded_by, v.retired_at)
      .run();
  if (f) {
    VariantFeatures copy = *f;
    copy.variant_id = v.variant_id;
    put_variant_features(ledger, copy);
  }
  tx.commit();
}

std::optional<Variant> find_variant(Ledger& ledger, std::string_view variant_id) {
  Statement& st = ledger.db().cached(std::string(kVariantColumns) + "WHERE variant_id = ?");
  st.bind(1, variant_id);
  return st.one(variant_from_row);
}

Variant get_variant(Ledger& ledger, std::string_view variant_id) {
  auto v = find_variant(ledger, variant_id);
  if (!v) {
    throw LedgerError(ErrorKind::kNotFound, "no variant '" + std::string(variant_id) +
                                                "' (see 'keyart variant list --title T')");
  }
  return *v;
}

std::optional<Variant> find_variant_by_sha256(Ledger& ledger, std::string_view title_id,
                                              std::string_view sha256) {
  Statement& st =
      ledger.db().cached(std::string(kVariantColumns) + "WHERE title_id = ? AND sha256 = ?");
  st.bind_all(title_id, sha256);
  return st.one(variant_from_row);
}

std::vector<Variant> list_variants(Ledger& ledger, std::string_view title_id,
                                   bool include_retired) {
  get_title(ledger, title_id);
  // Upload order; ties within a millisecond by insertion order.
  Database& db = ledger.db();
  Statement& st = db.cached(std::string(kVariantColumns) +
                            "WHERE title_id = ? AND (? OR status = 'active') ORDER BY "
                            "uploaded_at, " + insertion_order_column(db));
  st.bind(1, title_id).bind(2, int64_t{include_retired ? 1 : 0});
  return st.all(variant_from_row);
}

void set_variant_status(Ledger& ledger, std::string_view variant_id, std::string_view status) {
  ledger.require_writable();
  if (status != "active" && status != "retired") {
    throw LedgerError(ErrorKind::kInvalid, "variant status must be active or retired");
  }
  Database& db = ledger.db();
  SqlTransaction tx(db);
  Variant v = get_variant(ledger, variant_id);
  if (v.status != status) {
    db.cached("UPDATE variants SET status = ?, retired_at = ? WHERE variant_id = ?")
        .bind(1, status)
        .bind(2, status == "retired" ? std::optional<int64_t>(now_ms()) : std::nullopt)
        .bind(3, variant_id)
        .run();
  }
  tx.commit();
}

void put_variant_features(Ledger& ledger, const VariantFeatures& f) {
  ledger.require_writable();
  Database& db = ledger.db();
  SqlTransaction tx(db);
  get_variant(ledger, f.variant_id);
  Statement& st = db.cached(
      "INSERT INTO variant_features (variant_id, extractor_version, features, vector, "
      "extracted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (variant_id, extractor_version) DO "
      "UPDATE SET features = excluded.features, vector = excluded.vector, "
      "extracted_at = excluded.extracted_at");
  st.bind_all(f.variant_id, f.extractor_version, f.features_json);
  st.bind_blob(4, {reinterpret_cast<const uint8_t*>(f.vector.data()),
                   f.vector.size() * sizeof(double)});
  st.bind(5, f.extracted_at ? f.extracted_at : now_ms());
  st.run();
  tx.commit();
}

std::optional<VariantFeatures> latest_variant_features(Ledger& ledger,
                                                       std::string_view variant_id) {
  Statement& st = ledger.db().cached(
      "SELECT variant_id, extractor_version, features, vector, extracted_at "
      "FROM variant_features WHERE variant_id = ? ORDER BY extracted_at DESC LIMIT 1");
  st.bind(1, variant_id);
  return st.one([](const Statement& row) {
    VariantFeatures f;
    f.variant_id = row.column_text(0);
    f.extractor_version = row.column_text(1);
    f.features_json = row.column_text(2);
    f.vector = row.column_array<double>(3);
    f.extracted_at = row.column_int(4);
    return f;
  });
}

}  // namespace keyart::ledger
