#include "keyart/ledger/variant_stats.h"

#include "database.h"

namespace keyart::ledger {

std::vector<VariantClicks> variant_click_counts(Ledger& ledger, std::string_view title_id,
                                                std::string_view reward_kind) {
  Statement& st = ledger.db().cached(
      "SELECT e.variant_id, count(*), "
      "       sum(CASE WHEN EXISTS (SELECT 1 FROM rewards r WHERE r.event_id = e.event_id "
      "                             AND r.kind = ? AND r.value > 0) THEN 1 ELSE 0 END) "
      "FROM exposures e WHERE e.title_id = ? GROUP BY e.variant_id ORDER BY e.variant_id");
  st.bind_all(reward_kind, title_id);
  return st.all([](Statement& row) {
    return VariantClicks{row.column_text(0), row.column_int(1), row.column_int(2)};
  });
}

}  // namespace keyart::ledger
