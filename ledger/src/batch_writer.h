// Internal to keyart_ledger. The batch writer behind EventWriter, one per
// backend (events_sqlite.cc, events_postgres.cc), and the rules both share:
// how an event id is checked, which errors mean the ledger itself failed
// (the whole batch goes), and how a rejected row is explained.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "keyart/engine/event_id.h"
#include "keyart/ledger/events.h"

namespace keyart::ledger {

class Database;
class PgDatabase;

class BatchWriter {
 public:
  virtual ~BatchWriter() = default;
  // EventWriter::write's contract (events.h).
  virtual BatchResult write(std::span<const Exposure> exposures,
                            std::span<const Reward> rewards, std::span<const Play> plays) = 0;
};

// The plays of a batch, inside the writer's open transaction, on either
// backend (plays_write.cc): each row checked first (key, viewer, time,
// duration, a known title) and rejected on its own, the rest inserted.
void write_plays(Database& db, std::span<const Play> plays, BatchResult& result);

std::unique_ptr<BatchWriter> make_sqlite_batch_writer(Database& db);
std::unique_ptr<BatchWriter> make_postgres_batch_writer(PgDatabase& db);

// Event ids are 32 hex digits in the API and 16 bytes in the ledger.
std::optional<engine::EventId> event_id_bytes(std::string_view hex);
LedgerError bad_event_id(std::string_view hex);
// Errors that mean the ledger itself failed: the whole batch must go.
bool ledger_failed(const LedgerError& error);
// Why a row was rejected, from the error its insert raised.
std::string exposure_rejection(const Exposure& e, const LedgerError& error);
std::string reward_rejection(const Reward& r, const LedgerError& error);

}  // namespace keyart::ledger
