#include "keyart/ledger/ledger_copy.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <set>

#include "copy_text.h"
#include "database.h"
#include "postgres.h"
#include "schema.h"

namespace keyart::ledger {

namespace {

namespace fs = std::filesystem;

enum class Kind { kInt, kReal, kText, kBlob };

struct Column {
  std::string name;
  Kind kind;
};

// A table in the copy plan: the key its rows are compared in.
struct TablePlan {
  const char* table;
  const char* key;
};

// Parents before children (foreign keys); experiments are copied as drafts
// and given their status after their arms (the schema's triggers allow arms
// only on drafts).
constexpr TablePlan kPlan[] = {
    {"titles", "title_id"},
    {"title_genres", "title_id, genre"},
    {"actors", "actor_id"},
    {"cast_members", "title_id, actor_id"},
    {"headshots", "headshot_id"},
    {"variants", "variant_id"},
    {"variant_features", "variant_id, extractor_version"},
    {"experiments", "experiment_id"},
    {"experiment_titles", "experiment_id, title_id"},
    {"arms", "experiment_id, arm_id"},
    {"exposures", "exposure_id"},
    {"rewards", "reward_id"},
    {"plays", "play_id"},
    {"title_viewing", "title_id"},
    {"model_snapshots", "snapshot_id"},
};

Kind kind_of(std::string type) {
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type == "integer" || type == "bigint") return Kind::kInt;
  if (type == "real" || type == "double precision") return Kind::kReal;
  if (type == "blob" || type == "bytea") return Kind::kBlob;
  return Kind::kText;
}

// The table's columns both backends have, in the source's order.
std::vector<Column> columns_of(Database& db, const std::string& table) {
  Statement st = db.prepare(
      db.backend() == Backend::kSqlite
          ? "SELECT name, type FROM pragma_table_info(?)"
          : "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position");
  st.bind(1, table);
  std::vector<Column> out;
  while (st.step()) {
    std::string name = st.column_text(0);
    if (is_backend_only_column(table, name)) continue;
    out.push_back({name, kind_of(st.column_text(1))});
  }
  if (out.empty()) {
    throw LedgerError(ErrorKind::kSchema, "ledger " + db.name() + " has no table '" + table + "'");
  }
  return out;
}

std::string column_list(const std::vector<Column>& columns) {
  std::string out;
  for (const Column& c : columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}


// SHA-256 of a table's rows in key order, each value in a canonical form
// that does not depend on the backend.
class TableDigest {
 public:
  TableDigest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~TableDigest() { EVP_MD_CTX_free(ctx_); }
  void add(const Statement& row, const std::vector<Column>& columns) {
    for (size_t i = 0; i < columns.size(); ++i) {
      int c = static_cast<int>(i);
      std::string v;
      if (row.is_null(c)) {
        v = "n;";
      } else if (columns[i].kind == Kind::kInt) {
        v = "i" + std::to_string(row.column_int(c)) + ";";
      } else if (columns[i].kind == Kind::kReal) {
        v = "r" + exact_decimal(row.column_double(c)) + ";";
      } else if (columns[i].kind == Kind::kText) {
        std::string_view text = row.column_text_view(c);
        v = "t" + std::to_string(text.size()) + ":" + std::string(text) + ";";
      } else {
        std::span<const uint8_t> blob = row.column_blob_view(c);
        v = "b" + std::to_string(blob.size()) + ":" +
            std::string(reinterpret_cast<const char*>(blob.data()), blob.size()) + ";";
      }
      EVP_DigestUpdate(ctx_, v.data(), v.size());
    }
    EVP_DigestUpdate(ctx_, "\n", 1);
    ++rows_;
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }
  int64_t rows() const { return rows_; }

 private:
  EVP_MD_CTX* ctx_;
  int64_t rows_ = 0;
};

TableCopy digest(Database& db, const TablePlan& plan, const std::vector<Column>& columns) {
  TableDigest d;
  Statement st = db.prepare_scan("SELECT " + column_list(columns) + " FROM " + plan.table +
                                 " ORDER BY " + plan.key);
  while (st.step()) d.add(st, columns);
  return {plan.table, d.rows(), d.hex()};
}

// Where copied rows go on the destination.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // The row's values, from the source statement, except the columns the
  // sink's overrides replace (experiments copied as drafts).
  virtual void add(const Statement& row) = 0;
  virtual void finish() = 0;
};

// Values the copy writes instead of the source's (experiments as drafts).
struct Override {
  int column = -1;
  std::optional<std::string> text;  // nullopt: NULL
};

const Override* override_of(const std::vector<Override>& overrides, int column) {
  for (const Override& o : overrides) {
    if (o.column == column) return &o;
  }
  return nullptr;
}

class SqliteSink final : public RowSink {
 public:
  SqliteSink(Database& db, const std::string& table, const std::vector<Column>& columns,
             std::vector<Override> overrides)
      : columns_(columns), overrides_(std::move(overrides)) {
    std::string marks;
    for (size_t i = 0; i < columns.size(); ++i) marks += i ? ", ?" : "?";
    insert_ = db.prepare("INSERT INTO " + table + " (" + column_list(columns) + ") VALUES (" +
                         marks + ")");
  }
  void add(const Statement& row) override {
    for (size_t i = 0; i < columns_.size(); ++i) {
      int c = static_cast<int>(i);
      if (const Override* o = override_of(overrides_, c)) {
        if (o->text) {
          insert_.bind(c + 1, *o->text);
        } else {
          insert_.bind(c + 1, nullptr);
        }
      } else if (row.is_null(c)) {
        insert_.bind(c + 1, nullptr);
      } else if (columns_[i].kind == Kind::kInt) {
        insert_.bind(c + 1, row.column_int(c));
      } else if (columns_[i].kind == Kind::kReal) {
        insert_.bind(c + 1, row.column_double(c));
      } else if (columns_[i].kind == Kind::kText) {
        insert_.bind(c + 1, row.column_text_view(c));
      } else {
        insert_.bind_blob(c + 1, row.column_blob_view(c));
      }
    }
    insert_.run();
  }
  void finish() override {}

 private:
  std::vector<Column> columns_;
  std::vector<Override> overrides_;
  Statement insert_;
};

// COPY in chunks; rewards go through a staging table to find the ts of
// their exposure (the partition key).
class PostgresSink final : public RowSink {
 public:
  PostgresSink(PgDatabase& db, const std::string& table, const std::vector<Column>& columns,
               std::vector<Override> overrides)
      : db_(db), table_(table), columns_(columns), overrides_(std::move(overrides)) {
    if (table_ == "rewards") {
      db_.exec("CREATE TEMP TABLE keyart_copy_rewards (" + staging_columns() + ")");
      target_ = "keyart_copy_rewards";
    } else {
      target_ = table_;
    }
  }
  void add(const Statement& row) override {
    for (size_t i = 0; i < columns_.size(); ++i) {
      int c = static_cast<int>(i);
      if (const Override* o = override_of(overrides_, c)) {
        copy_.field(o->text);
      } else if (row.is_null(c)) {
        copy_.null();
      } else if (columns_[i].kind == Kind::kInt) {
        copy_.field(row.column_int(c));
      } else if (columns_[i].kind == Kind::kReal) {
        copy_.field(row.column_double(c));
      } else if (columns_[i].kind == Kind::kText) {
        copy_.field(row.column_text_view(c));
      } else {
        copy_.bytes(row.column_blob_view(c));
      }
    }
    copy_.end_row();
    if (copy_.rows() >= 50'000) flush();
  }
  void finish() override {
    flush();
    if (table_ == "rewards") {
      std::string names = column_list(columns_);
      std::string from_stage;
      for (const Column& c : columns_) from_stage += (from_stage.empty() ? "s." : ", s.") + c.name;
      Statement move = db_.prepare(
          "INSERT INTO rewards (" + names + ", exposure_ts) SELECT " + from_stage +
          ", e.ts FROM keyart_copy_rewards s JOIN exposures e ON e.event_id = s.event_id");
      move.run();
      db_.exec("DROP TABLE keyart_copy_rewards");
    }
  }

 private:
  std::string staging_columns() const {
    std::string out;
    for (const Column& c : columns_) {
      out += (out.empty() ? "" : ", ") + c.name + " " +
             (c.kind == Kind::kInt    ? "BIGINT"
              : c.kind == Kind::kReal ? "DOUBLE PRECISION"
              : c.kind == Kind::kBlob ? "BYTEA"
                                      : "TEXT");
    }
    return out;
  }
  void flush() {
    if (copy_.rows() == 0) return;
    db_.copy_in("COPY " + target_ + " (" + column_list(columns_) + ") FROM STDIN", copy_.text());
    copy_.clear();
  }

  PgDatabase& db_;
  std::string table_, target_;
  std::vector<Column> columns_;
  std::vector<Override> overrides_;
  CopyRows copy_;
};

std::unique_ptr<RowSink> sink_for(Database& db, const std::string& table,
                                  const std::vector<Column>& columns,
                                  std::vector<Override> overrides) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<SqliteSink>(db, table, columns, std::move(overrides));
  }
  return std::make_unique<PostgresSink>(static_cast<PgDatabase&>(db), table, columns,
                                        std::move(overrides));
}

int column_index(const std::vector<Column>& columns, std::string_view name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  throw LedgerError(ErrorKind::kSchema, "no column " + std::string(name));
}

void require_empty(Ledger& to) {
  Database& db = to.db();
  int64_t rows = 0;
  std::string what;
  for (const TablePlan& plan : kPlan) {
    int64_t n = db.query_int(std::string("SELECT count(*) FROM ") + plan.table);
    if (n > 0 && what.empty()) what = std::to_string(n) + " rows in " + plan.table;
    rows += n;
  }
  if (rows > 0) {
    throw LedgerError(ErrorKind::kConflict,
                      "the destination " + to.path() + " already holds a keyart ledger (" + what +
                          "); copy only into an empty ledger");
  }
}

// PostgreSQL: the days the exposures fall on get their partitions first.
void prepare_days(Database& from, Database& to) {
  if (to.backend() != Backend::kPostgres) return;
  Statement days = from.prepare_scan("SELECT DISTINCT ts / 86400000 FROM exposures ORDER BY 1");
  Statement ensure = to.prepare("SELECT keyart_ensure_days(?, ?)");
  while (days.step()) {
    int64_t start = days.column_int(0) * 86'400'000;
    ensure.bind(1, start).bind(2, start);
    ensure.run();
  }
}

// PostgreSQL: identity columns continue after the copied ids.
void advance_identities(Database& to) {
  if (to.backend() != Backend::kPostgres) return;
  Statement ids = to.prepare(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
      "current_schema() AND is_identity = 'YES' AND identity_generation = 'BY DEFAULT'");
  for (auto& [table, column] : ids.all([](const Statement& r) {
         return std::make_pair(r.column_text(0), r.column_text(1));
       })) {
    to.exec("SELECT setval(pg_get_serial_sequence('" + table + "', '" + column +
            "'), coalesce((SELECT max(" + column + ") FROM " + table + "), 0) + 1, false)");
  }
}

}  // namespace

const std::vector<std::string>& copied_tables() {
  static const std::vector<std::string> tables = [] {
    std::vector<std::string> out;
    for (const TablePlan& plan : kPlan) out.emplace_back(plan.table);
    return out;
  }();
  return tables;
}

const std::vector<std::string>& tables_not_copied() {
  static const std::vector<std::string> tables = {"catalog_version"};
  return tables;
}

std::vector<TableCopy> copy_ledger(
    Ledger& from, Ledger& to,
    const std::function<void(std::string_view table, int64_t rows)>& progress) {
  to.require_writable();
  Database& src = from.db();
  Database& dst = to.db();
  SqlTransaction tx(dst);
  if (dst.backend() == Backend::kPostgres) dst.exec("SELECT keyart_lock_event_writers()");
  require_empty(to);
  std::vector<TableCopy> out;
  for (const TablePlan& plan : kPlan) {
    const std::string table = plan.table;
    std::vector<Column> columns = columns_of(src, table);
    std::vector<Override> overrides;
    if (table == "experiments") {
      overrides = {{column_index(columns, "status"), "draft"},
                   {column_index(columns, "started_at"), std::nullopt},
                   {column_index(columns, "stopped_at"), std::nullopt}};
    }
    if (table == "exposures") prepare_days(src, dst);
    // Variants in upload order, so the destination's insertion order
    // (ties within a millisecond) is the source's.
    std::string order = table == "variants" ? insertion_order_column(src) : plan.key;
    Statement rows = src.prepare_scan("SELECT " + column_list(columns) + " FROM " + table +
                                      " ORDER BY " + order);
    std::unique_ptr<RowSink> sink = sink_for(dst, table, columns, std::move(overrides));
    int64_t n = 0;
    while (rows.step()) {
      sink->add(rows);
      if (++n % 100'000 == 0 && progress) progress(table, n);
    }
    sink->finish();
    if (progress) progress(table, n);
    if (table == "arms") {
      // The experiments' status, now that their arms are in.
      Statement status = src.prepare(
          "SELECT experiment_id, status, started_at, stopped_at FROM experiments "
          "WHERE status <> 'draft' ORDER BY experiment_id");
      Statement update = dst.prepare(
          "UPDATE experiments SET status = ?, started_at = ?, stopped_at = ? "
          "WHERE experiment_id = ?");
      while (status.step()) {
        update.bind(1, status.column_text(1))
            .bind(2, status.column_optional_int(2))
            .bind(3, status.column_optional_int(3))
            .bind(4, status.column_text(0));
        update.run();
      }
    }
  }
  advance_identities(dst);
  // Read both sides back before committing.
  for (const TablePlan& plan : kPlan) {
    std::vector<Column> columns = columns_of(src, plan.table);
    TableCopy source = digest(src, plan, columns);
    TableCopy copied = digest(dst, plan, columns);
    if (source.rows != copied.rows || source.sha256 != copied.sha256) {
      throw LedgerError(ErrorKind::kInternal,
                        "the copy of " + source.table + " does not match its source (" +
                            std::to_string(copied.rows) + " of " + std::to_string(source.rows) +
                            " rows; checksums " + copied.sha256.substr(0, 12) + " vs " +
                            source.sha256.substr(0, 12) + "); nothing was committed");
    }
    out.push_back(source);
  }
  tx.commit();
  return out;
}

int64_t copy_stored_files(const fs::path& from_dir, const fs::path& to_dir) try {
  std::error_code ec;
  if (!fs::is_directory(from_dir, ec)) return 0;
  int64_t copied = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(from_dir)) {
    if (!entry.is_regular_file()) continue;
    fs::path target = to_dir / fs::relative(entry.path(), from_dir);
    if (fs::exists(target, ec)) continue;  // content-addressed: the same bytes
    fs::create_directories(target.parent_path());
    fs::path partial = target;
    partial += ".partial";
    fs::copy_file(entry.path(), partial, fs::copy_options::overwrite_existing);
    fs::rename(partial, target);
    ++copied;
  }
  return copied;
} catch (const fs::filesystem_error& e) {
  throw LedgerError(ErrorKind::kIo, std::string("copying stored files: ") + e.what());
}

}  // namespace keyart::ledger
