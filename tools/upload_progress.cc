#include "upload_progress.h"

#include <cstdio>
#include <ostream>

namespace keyart::cli {

UploadProgress::UploadProgress(std::ostream& out, int total, bool terminal)
    : out_(out), total_(total), terminal_(terminal), start_(std::chrono::steady_clock::now()) {}

void UploadProgress::step(int done, const std::string& name, const std::string& outcome) {
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done / elapsed : 0;
  double eta = rate > 0 ? (total_ - done) / rate : 0;
  char stats[64];
  std::snprintf(stats, sizeof stats, "%d/%d  %.1f files/s  ETA %.0fs", done, total_, rate, eta);
  if (!terminal_) {
    out_ << "[" << stats << "] " << name << ": " << outcome << "\n";
    return;
  }
  constexpr int kWidth = 30;
  int filled = total_ > 0 ? done * kWidth / total_ : kWidth;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  out_ << "\r\033[K[" << bar << "] " << stats << "  " << name << std::flush;
}

void UploadProgress::finish() {
  if (terminal_) out_ << "\r\033[K" << std::flush;
}

}  // namespace keyart::cli
