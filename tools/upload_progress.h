// Progress reporting for batch uploads: on a terminal one line redrawn in
// place (bar, count, rate, ETA); otherwise one plain line per file, so logs
// and pipes stay readable.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace keyart::cli {

class UploadProgress {
 public:
  UploadProgress(std::ostream& out, int total, bool terminal);
  // Reports that file number done (1-based) finished with the given outcome.
  void step(int done, const std::string& name, const std::string& outcome);
  // Clears the redrawn line (terminal mode) before the summary.
  void finish();

 private:
  std::ostream& out_;
  int total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace keyart::cli
