#include "postgres.h"

#include "copy_text.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace keyart::ledger {

bool is_postgres_uri(std::string_view text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

std::string redact_postgres_uri(std::string_view uri) {
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return std::string(uri);
  size_t authority_begin = scheme_end + 3;
  size_t authority_end = uri.find_first_of("/?", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = uri.size();
  std::string_view authority = uri.substr(authority_begin, authority_end - authority_begin);
  std::string out(uri.substr(0, authority_begin));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    out += userinfo.substr(0, userinfo.find(':'));
    out += authority.substr(at);
  } else {
    out += authority;
  }
  std::string_view rest = uri.substr(authority_end);
  size_t query = rest.find('?');
  out += rest.substr(0, query);
  if (query != std::string_view::npos) {
    std::string_view params = rest.substr(query + 1);
    char separator = '?';
    while (!params.empty()) {
      size_t amp = params.find('&');
      std::string_view param = params.substr(0, amp);
      if (!param.starts_with("password=")) {
        out += separator;
        out += param;
        separator = '&';
      }
      if (amp == std::string_view::npos) break;
      params.remove_prefix(amp + 1);
    }
  }
  return out;
}

namespace {

ErrorKind classify_sqlstate(std::string_view state) {
  if (state == "23505") return ErrorKind::kConflict;  // unique_violation
  if (state == "23503") return ErrorKind::kNotFound;  // foreign_key_violation
  if (state.starts_with("23")) return ErrorKind::kInvalid;  // other integrity rules
  if (state.starts_with("22")) return ErrorKind::kInvalid;  // data exceptions
  if (state == "P0001") return ErrorKind::kInvalid;  // raised by a trigger (a rule)
  if (state == "25006" || state == "42501") return ErrorKind::kReadOnly;
  if (state == "55P03" || state == "40001" || state == "40P01") return ErrorKind::kBusy;
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57") ||
      state.starts_with("58") || state == "XX001" || state == "XX002") {
    return ErrorKind::kIo;  // connection, resources (disk full), shutdown, corruption
  }
  if (state == "42P01" || state == "42703") return ErrorKind::kSchema;  // missing table/column
  return ErrorKind::kInternal;
}

std::string first_line(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (size_t nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// Rewrites '?' and '?N' parameters as $1, $2, ... in order of first use,
// outside quoted text (PostgreSQL cannot type a parameter the SQL never
// uses, which SQLite allows). slots[N - 1] is the $ number of ?N, or 0 when
// the SQL does not use it.
std::string number_parameters(std::string_view sql, std::vector<int>& slots) {
  std::string out;
  out.reserve(sql.size() + 16);
  int highest = 0;
  int used = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    int index = j > i + 1 ? std::atoi(std::string(sql.substr(i + 1, j - i - 1)).c_str())
                          : highest + 1;
    highest = std::max(highest, index);
    if (slots.size() < static_cast<size_t>(index)) slots.resize(index, 0);
    if (slots[index - 1] == 0) slots[index - 1] = ++used;
    out += '$';
    out += std::to_string(slots[index - 1]);
    i = j - 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


// Type oids of the values a binary result may hold (pg_type.h).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kTextOid = 25, kFloat8Oid = 701, kVarcharOid = 1043;

bool binary_readable(Oid type) {
  return type == kBoolOid || type == kByteaOid || type == kInt8Oid || type == kInt2Oid ||
         type == kInt4Oid || type == kTextOid || type == kFloat8Oid || type == kVarcharOid;
}

// A big-endian integer of n bytes.
int64_t big_endian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  if (n < 8 && n > 0 && (v >> (8 * n - 1)) != 0) v |= ~uint64_t{0} << (8 * n);  // sign
  return static_cast<int64_t>(v);
}

// Reading the rows of a result held in memory: text format, or binary when
// every column's type is one binary_readable() knows (cursor scans).
class PgRows : public StatementImpl {
 public:
  ~PgRows() override { clear_result(); }
  bool is_null(int column) const override { return PQgetisnull(result_, row_, column) == 1; }
  int64_t column_int(int column) const override {
    if (binary_) {
      if (is_null(column)) return 0;
      const char* p = PQgetvalue(result_, row_, column);
      if (PQftype(result_, column) == kFloat8Oid) return static_cast<int64_t>(column_double(column));
      return big_endian(p, PQgetlength(result_, row_, column));
    }
    std::string_view text = column_text_view(column);
    if (text == "t") return 1;
    if (text == "f") return 0;
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  double column_double(int column) const override {
    if (is_null(column)) return 0.0;
    if (binary_) {
      if (PQftype(result_, column) != kFloat8Oid) return static_cast<double>(column_int(column));
      uint64_t bits = static_cast<uint64_t>(big_endian(PQgetvalue(result_, row_, column), 8));
      double value;
      std::memcpy(&value, &bits, sizeof value);
      return value;
    }
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
  }
  std::string_view column_text_view(int column) const override {
    if (is_null(column)) return {};
    return {PQgetvalue(result_, row_, column),
            static_cast<size_t>(PQgetlength(result_, row_, column))};
  }
  std::span<const uint8_t> column_blob_view(int column) const override {
    std::string_view text = column_text_view(column);
    if (binary_) return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
    if (!text.starts_with("\\x")) return {};
    if (blobs_.size() <= static_cast<size_t>(column)) blobs_.resize(column + 1);
    std::vector<uint8_t>& out = blobs_[column];
    out.clear();
    for (size_t i = 2; i + 1 < text.size(); i += 2) {
      out.push_back(static_cast<uint8_t>(hex_value(text[i]) * 16 + hex_value(text[i + 1])));
    }
    return out;
  }

 protected:
  void clear_result() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    rows_ = 0;
    row_ = -1;
  }
  PGresult* result_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
  bool binary_ = false;  // the result is in binary format
  mutable std::vector<std::vector<uint8_t>> blobs_;
};

// Bound parameter values, by the $ number the SQL uses.
class PgParams {
 public:
  // Rewrites the SQL's parameters (number_parameters) and sizes the slots.
  std::string take(std::string_view sql) {
    std::string out = number_parameters(sql, slots_);
    count_ = 0;
    for (int slot : slots_) count_ = std::max(count_, slot);
    values_.resize(count_);
    null_.assign(count_, 1);
    lengths_.assign(count_, 0);
    formats_.assign(count_, 0);
    return out;
  }
  void set_null(int index) {
    if (int at = position(index)) null_[at - 1] = 1;
  }
  void set(int index, std::string value, int format) {
    int at = position(index);
    if (at == 0) return;
    values_[at - 1] = std::move(value);
    null_[at - 1] = 0;
    formats_[at - 1] = format;
    lengths_[at - 1] = static_cast<int>(values_[at - 1].size());
  }
  void clear() { null_.assign(count_, 1); }
  int count() const { return count_; }
  std::vector<const char*> pointers() const {
    std::vector<const char*> out(count_);
    for (int i = 0; i < count_; ++i) out[i] = null_[i] ? nullptr : values_[i].c_str();
    return out;
  }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  // The $ number parameter index (?N) became; 0 when the SQL does not use it.
  int position(int index) const {
    if (index < 1 || static_cast<size_t>(index) > slots_.size()) {
      throw LedgerError(ErrorKind::kInternal,
                        "parameter " + std::to_string(index) + " out of range");
    }
    return slots_[index - 1];
  }
  std::vector<int> slots_;
  int count_ = 0;
  std::vector<std::string> values_;
  std::vector<char> null_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};


// A query with parameters: values are sent as text, blobs as binary.
class PgQuery : public PgRows {
 public:
  void bind_null(int index) override { params_.set_null(index); }
  void bind_int(int index, int64_t value) override { params_.set(index, std::to_string(value), 0); }
  void bind_double(int index, double value) override { params_.set(index, exact_decimal(value), 0); }
  void bind_text(int index, std::string_view value, bool) override {
    params_.set(index, std::string(value), 0);
  }
  void bind_blob(int index, std::span<const uint8_t> value) override {
    params_.set(index, std::string(reinterpret_cast<const char*>(value.data()), value.size()), 1);
  }

 protected:
  PgParams params_;
};

}  // namespace

// A statement prepared on the server; its result is fetched whole on the
// first step and read row by row.
class PgStatement final : public PgQuery {
 public:
  PgStatement(PgDatabase& db, std::string_view sql) : db_(db) {
    sql_ = params_.take(sql);
    name_ = "k" + std::to_string(++db.next_statement_);
    prepare_on_server();
  }
  ~PgStatement() override {
    clear_result();
    if (prepared_generation_ != db_.generation() || db_.conn_ == nullptr) return;
    pg_conn* conn = db_.settled_connection();
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_INERROR) {
      PQclear(PQexec(conn, ("DEALLOCATE " + name_).c_str()));
    }
  }

  bool step() override {
    if (result_ == nullptr) execute();
    ++row_;
    return row_ < rows_;
  }
  void reset() override {
    clear_result();
    params_.clear();
  }
  int64_t changes() const override { return changes_; }

 private:
  void prepare_on_server() {
    PGresult* r = PQprepare(db_.connection(), name_.c_str(), sql_.c_str(), params_.count(),
                            nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && db_.lost_outside_transaction()) {
      PQclear(r);
      r = PQprepare(db_.connection(), name_.c_str(), sql_.c_str(), params_.count(), nullptr);
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) db_.fail(r, "preparing SQL");
    PQclear(r);
    prepared_generation_ = db_.generation();
  }
  PGresult* execute_once() {
    pg_conn* conn = db_.connection();
    if (prepared_generation_ != db_.generation()) prepare_on_server();
    std::vector<const char*> pointers = params_.pointers();
    return PQexecPrepared(conn, name_.c_str(), params_.count(), pointers.data(),
                          params_.lengths(), params_.formats(), 0);
  }
  void execute() {
    PGresult* r = execute_once();
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK &&
        db_.lost_outside_transaction()) {
      PQclear(r);  // the server went away since the last call: once more, reconnected
      r = execute_once();
      status = PQresultStatus(r);
    }
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) db_.fail(r, "");
    result_ = r;
    rows_ = status == PGRES_TUPLES_OK ? PQntuples(r) : 0;
    const char* affected = PQcmdTuples(r);
    changes_ = affected && *affected ? std::atoll(affected) : 0;
    row_ = -1;
  }

  PgDatabase& db_;
  std::string sql_;
  std::string name_;
  uint64_t prepared_generation_ = 0;
  int64_t changes_ = 0;
};

// A query read through a server-side cursor, PgDatabase::kScanBatchRows rows
// a FETCH, so a scan of millions of rows never holds them all in memory.
// The next FETCH is sent as soon as one arrives and its answer drained from
// the socket while the caller reads the rows, so the server's work and the
// caller's overlap; a command sent meanwhile on the connection (another
// statement, a nested scan) first receives that answer and keeps it here.
class PgScan final : public PgQuery {
 public:
  PgScan(PgDatabase& db, std::string_view sql) : db_(db) {
    sql_ = params_.take(sql);
    cursor_ = "keyart_scan" + std::to_string(++db.next_statement_);
    fetch_sql_ = "FETCH " + std::to_string(PgDatabase::kScanBatchRows) + " FROM " + cursor_;
  }
  ~PgScan() override { close(); }

  bool step() override {
    if (!open_) {
      if (done_) return false;
      open();
    }
    if (++row_ < rows_) {
      if (in_flight_ && (row_ & kDrainEveryRows) == 0) PQconsumeInput(db_.conn_);
      return true;
    }
    if (rows_ < PgDatabase::kScanBatchRows && result_ != nullptr) {
      close();
      done_ = true;
      return false;
    }
    fetch();
    if (++row_ < rows_) return true;
    close();
    done_ = true;
    return false;
  }
  void reset() override {
    close();
    done_ = false;
    params_.clear();
  }
  int64_t changes() const override { return 0; }

  // The FETCH sent ahead failed (its answer is an error).
  bool ahead_failed() const {
    return ahead_ != nullptr && PQresultStatus(ahead_) != PGRES_TUPLES_OK;
  }
  // Hands over the answer received ahead (the caller clears it).
  PGresult* take_ahead() {
    PGresult* r = ahead_;
    ahead_ = nullptr;
    return r;
  }

  // Receives the FETCH in flight and keeps its answer for fetch().
  void receive_ahead() noexcept {
    in_flight_ = false;
    if (db_.reading_ahead_ == this) db_.reading_ahead_ = nullptr;
    PGresult* first = nullptr;
    while (PGresult* r = PQgetResult(db_.conn_)) {
      if (first == nullptr) {
        first = r;
      } else {
        PQclear(r);
      }
    }
    PQclear(ahead_);
    ahead_ = first;
  }

 private:
  static constexpr int kDrainEveryRows = 2047;  // a power of two less one

  void open() {
    pg_conn* conn = db_.connection();
    own_transaction_ = !db_.in_transaction();
    if (own_transaction_) db_.exec("BEGIN READ ONLY");
    std::string declare = "DECLARE " + cursor_ + " NO SCROLL CURSOR FOR " + sql_;
    std::vector<const char*> pointers = params_.pointers();
    PGresult* r = PQexecParams(conn, declare.c_str(), params_.count(), nullptr, pointers.data(),
                               params_.lengths(), params_.formats(), 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      end_own_transaction();
      db_.fail(r, "");
    }
    PQclear(r);
    open_ = true;
    ++db_.open_scans_;  // mark_closed() counts it back
    // Binary rows when every column is of a type read here: no text to
    // format on the server, no numbers or hex to parse here.
    PGresult* shape = PQdescribePortal(conn, cursor_.c_str());
    binary_ = PQresultStatus(shape) == PGRES_COMMAND_OK;
    for (int c = 0; binary_ && c < PQnfields(shape); ++c) {
      binary_ = binary_readable(PQftype(shape, c));
    }
    PQclear(shape);
  }
  void fetch() {
    clear_result();
    const bool sent_ahead = in_flight_ || ahead_ != nullptr;
    if (in_flight_) receive_ahead();
    PGresult* r = take_ahead();
    if (r == nullptr && sent_ahead) {
      throw LedgerError(ErrorKind::kInternal,
                        "a scan of " + db_.name() + " lost the answer of the FETCH it sent ahead");
    }
    if (r == nullptr) {  // nothing was sent ahead, or sending failed
      r = PQexecParams(db_.settled_connection(), fetch_sql_.c_str(), 0, nullptr, nullptr, nullptr,
                       nullptr, binary_ ? 1 : 0);
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      mark_closed();
      end_own_transaction();
      db_.fail(r, "");
    }
    result_ = r;
    rows_ = PQntuples(r);
    row_ = -1;
    if (rows_ == PgDatabase::kScanBatchRows) send_ahead();
  }
  void send_ahead() {
    pg_conn* conn = db_.settled_connection();
    if (PQsendQueryParams(conn, fetch_sql_.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                          binary_ ? 1 : 0) != 1) {
      return;  // fetch() sends it again and reports what went wrong
    }
    in_flight_ = true;
    db_.reading_ahead_ = this;
  }
  void close() noexcept {
    clear_result();
    if (in_flight_) receive_ahead();
    PQclear(ahead_);
    ahead_ = nullptr;
    if (!open_) return;
    mark_closed();
    pg_conn* conn = db_.settled_connection();
    if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_INTRANS) {
      PQclear(PQexec(conn, ("CLOSE " + cursor_).c_str()));
    }
    end_own_transaction();
  }
  // The cursor is no longer ours to read (closed, or its FETCH failed).
  void mark_closed() noexcept {
    open_ = false;
    --db_.open_scans_;
  }
  void end_own_transaction() noexcept {
    if (!own_transaction_) return;
    own_transaction_ = false;
    pg_conn* conn = db_.settled_connection();
    if (PQstatus(conn) == CONNECTION_OK) PQclear(PQexec(conn, "ROLLBACK"));
  }

  PgDatabase& db_;
  std::string sql_;
  std::string cursor_;
  std::string fetch_sql_;
  bool open_ = false;
  bool done_ = false;
  bool own_transaction_ = false;
  bool in_flight_ = false;     // the next FETCH was sent and not yet received
  PGresult* ahead_ = nullptr;  // its answer, once received
};

namespace {

void ignore_notice(void*, const char*) {}

}  // namespace

std::unique_ptr<PgDatabase> PgDatabase::connect(const std::string& uri, int lock_timeout_ms,
                                                bool read_only) {
  const std::string name = redact_postgres_uri(uri);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    std::string message = first_line(parse_error);
    PQfreemem(parse_error);
    throw LedgerError(ErrorKind::kInvalid,
                      "bad PostgreSQL ledger URI '" + name + "': " + message);
  }
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  pg_conn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string reason = conn ? first_line(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    throw LedgerError(ErrorKind::kIo, "cannot connect to the PostgreSQL ledger at " + host +
                                          ":" + port + ", database '" + dbname + "': " +
                                          reason);
  }
  std::unique_ptr<PgDatabase> db(new PgDatabase(conn, uri, name, lock_timeout_ms, read_only));
  db->configure();
  return db;
}

PgDatabase::PgDatabase(pg_conn* conn, std::string uri, std::string name, int lock_timeout_ms,
                       bool read_only)
    : conn_(conn),
      uri_(std::move(uri)),
      name_(std::move(name)),
      lock_timeout_ms_(lock_timeout_ms),
      read_only_(read_only) {}

PgDatabase::~PgDatabase() {
  clear_cache();
  PQfinish(conn_);
}

void PgDatabase::configure() {
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  std::string settings =
      "SET client_min_messages = warning; SET extra_float_digits = 1; "
      "SET lock_timeout = " + std::to_string(lock_timeout_ms_) + ";";
  if (read_only_) settings += " SET default_transaction_read_only = on;";
  PGresult* r = PQexec(conn_, settings.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "configuring the connection");
  PQclear(r);
}

pg_conn* PgDatabase::settled_connection() {
  if (reading_ahead_ != nullptr) reading_ahead_->receive_ahead();
  return conn_;
}

pg_conn* PgDatabase::connection() {
  if (PgScan* scan = reading_ahead_) {
    scan->receive_ahead();
    // The scan's FETCH failed: the transaction is aborted, so its error is
    // the one to report, not what the next command would meet.
    if (scan->ahead_failed()) fail(scan->take_ahead(), "");
  }
  if (PQstatus(conn_) == CONNECTION_OK) return conn_;
  if (in_transaction() || open_scans_ > 0) {
    throw LedgerError(ErrorKind::kIo, "lost the connection to the PostgreSQL ledger " + name_ +
                                          " in the middle of a transaction");
  }
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw LedgerError(ErrorKind::kIo, "cannot reach the PostgreSQL ledger " + name_ + ": " +
                                          first_line(PQerrorMessage(conn_)));
  }
  ++generation_;
  configure();
  return conn_;
}

void PgDatabase::fail(PGresult* result, std::string_view context) {
  std::string state;
  std::string message;
  if (result != nullptr && PQresultErrorField(result, PG_DIAG_SQLSTATE) != nullptr) {
    state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    message = first_line(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  } else if (result != nullptr && *PQresultErrorMessage(result) != '\0') {
    message = first_line(PQresultErrorMessage(result));  // the result's own, not the connection's latest
  } else {
    message = first_line(PQerrorMessage(conn_));
  }
  PQclear(result);
  ErrorKind kind = ErrorKind::kInternal;
  if (!state.empty()) {
    kind = classify_sqlstate(state);
  } else if (PQstatus(conn_) != CONNECTION_OK) {
    kind = ErrorKind::kIo;
    message = "lost the connection to the PostgreSQL ledger " + name_ + ": " + message;
  }
  if (!context.empty()) message = std::string(context) + ": " + message;
  throw LedgerError(kind, message);
}

bool PgDatabase::lost_outside_transaction() const {
  return PQstatus(conn_) == CONNECTION_BAD && !in_write_;
}

void PgDatabase::exec(std::string_view sql) {
  const std::string text(sql);
  PGresult* r = PQexec(connection(), text.c_str());
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && lost_outside_transaction()) {
    PQclear(r);  // the server went away since the last call: once more, reconnected
    r = PQexec(connection(), text.c_str());
    status = PQresultStatus(r);
  }
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, "");
  PQclear(r);
}

Statement PgDatabase::prepare(std::string_view sql) {
  return Statement(std::make_unique<PgStatement>(*this, sql));
}

Statement PgDatabase::prepare_scan(std::string_view sql) {
  return Statement(std::make_unique<PgScan>(*this, sql));
}

bool PgDatabase::in_transaction() const {
  PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE ||
         (status == PQTRANS_UNKNOWN && in_write_);
}

void PgDatabase::begin_write() {
  exec("BEGIN");
  in_write_ = true;
}

void PgDatabase::commit_write() {
  // Never reconnect here: a COMMIT on a new connection would "succeed" with
  // nothing to commit.
  if (PQstatus(settled_connection()) != CONNECTION_OK) {
    in_write_ = false;
    throw LedgerError(ErrorKind::kIo, "lost the connection to the PostgreSQL ledger " + name_ +
                                          " before the commit; nothing was written");
  }
  PGresult* r = PQexec(conn_, "COMMIT");
  in_write_ = false;
  if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "commit");
  // A transaction that had failed answers COMMIT with ROLLBACK.
  const bool committed = std::string_view(PQcmdStatus(r)) == "COMMIT";
  PQclear(r);
  if (!committed) {
    throw LedgerError(ErrorKind::kInternal, "the transaction on " + name_ +
                                                " had failed and was rolled back");
  }
}

void PgDatabase::rollback_quietly(bool nested) noexcept {
  if (!nested) in_write_ = false;
  if (PQstatus(settled_connection()) != CONNECTION_OK) return;
  PQclear(PQexec(conn_, nested ? "ROLLBACK TO SAVEPOINT keyart_nested; RELEASE keyart_nested"
                               : "ROLLBACK"));
}

void PgDatabase::copy_in(std::string_view copy_sql, std::string_view data) {
  pg_conn* conn = connection();
  PGresult* r = PQexec(conn, std::string(copy_sql).c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) fail(r, "");
  PQclear(r);
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  PQputCopyEnd(conn, nullptr);
  PGresult* last = nullptr;
  while (PGresult* next = PQgetResult(conn)) {
    PQclear(last);
    last = next;
  }
  if (PQresultStatus(last) != PGRES_COMMAND_OK) fail(last, "");
  PQclear(last);
}

}  // namespace keyart::ledger
