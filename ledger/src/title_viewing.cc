#include "keyart/ledger/title_viewing.h"

#include <cmath>

#include "database.h"
#include "keyart/ledger/errors.h"

namespace keyart::ledger {

void store_title_viewing(Ledger& ledger, const TitleViewing& viewing) {
  ledger.require_writable();
  for (const auto& [title, weight] : viewing.weight) {
    if (!(std::isfinite(weight) && weight >= 0 && weight <= 1e15)) {
      throw LedgerError(ErrorKind::kInvalid, "the viewing weight of title '" + title +
                                                 "' must be between 0 and 1e15");
    }
  }
  if (viewing.computed_at < 0) throw LedgerError(ErrorKind::kInvalid, "computed_at must not be before 1970");
  Database& db = ledger.db();
  SqlTransaction tx(db);
  db.exec("DELETE FROM title_viewing");
  for (const auto& [title, weight] : viewing.weight) {
    if (!db.cached("SELECT 1 FROM titles WHERE title_id = ?").bind_all(title).one([](const Statement&) {
          return 1;
        })) {
      throw LedgerError(ErrorKind::kNotFound, "no title '" + title + "' in the catalogue");
    }
    db.cached("INSERT INTO title_viewing (title_id, weight, computed_at) VALUES (?, ?, ?)")
        .bind_all(title, weight, viewing.computed_at)
        .run();
  }
  tx.commit();
}

std::optional<TitleViewing> load_title_viewing(Ledger& ledger) {
  Statement st = ledger.db().prepare("SELECT title_id, weight, computed_at FROM title_viewing");
  std::optional<TitleViewing> out;
  while (st.step()) {
    if (!out) out.emplace();
    out->weight.emplace(std::string(st.column_text_view(0)), st.column_double(1));
    out->computed_at = st.column_int(2);
  }
  return out;
}

}  // namespace keyart::ledger
