#include "support/ledger_dump.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <stdexcept>
#include <vector>

namespace keyart::testing {

namespace {

// The same dump of a PostgreSQL ledger: every table of the current schema
// (partitions through their parent), in the same row order.
std::string dump_postgres(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    throw std::runtime_error("cannot open " + uri);
  }
  auto query = [&](const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string error = PQerrorMessage(conn);
      PQclear(r);
      PQfinish(conn);
      throw std::runtime_error("dump: " + sql + ": " + error);
    }
    return r;
  };
  std::string out;
  PGresult* tables = query(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = current_schema() "
      "ORDER BY c.relname COLLATE \"C\"");
  PGresult* version = query("SELECT keyart_schema_version()");
  out += "user_version=" + std::string(PQgetvalue(version, 0, 0)) + "\n";
  PQclear(version);
  for (int t = 0; t < PQntuples(tables); ++t) {
    std::string table = PQgetvalue(tables, t, 0);
    out += "[" + table + "]\n";
    PGresult* rows = query("SELECT * FROM \"" + table + "\" ORDER BY 1, 2");
    for (int r = 0; r < PQntuples(rows); ++r) {
      for (int c = 0; c < PQnfields(rows); ++c) {
        out += PQgetisnull(rows, r, c) ? "NULL" : PQgetvalue(rows, r, c);
        out += '|';
      }
      out += '\n';
    }
    PQclear(rows);
  }
  PQclear(tables);
  PQfinish(conn);
  return out;
}

}  // namespace

std::string dump_ledger(const std::filesystem::path& path) {
  if (path.string().starts_with("postgresql://")) return dump_postgres(path.string());
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path.string());
  }
  std::string out;
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1,
                     &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) out += "user_version=" + std::to_string(sqlite3_column_int(st, 0)) + "\n";
  sqlite3_finalize(st);
  for (const auto& table : tables) {
    out += "[" + table + "]\n";
    // Table names come from sqlite_master of a test ledger, quoted as identifiers.
    std::string sql = "SELECT * FROM \"" + table + "\" ORDER BY 1, 2";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      sqlite3_finalize(st);
      continue;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* v = sqlite3_column_text(st, c);
        out += v ? reinterpret_cast<const char*>(v) : "NULL";
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace keyart::testing
