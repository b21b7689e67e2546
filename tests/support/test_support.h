// Helpers for the test suites: a temporary folder removed at the end of the
// test, paths to the repository's test data, and running the real `keyart`
// binary with captured output and exit code.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace keyart::testing {

// A fresh folder under $TMPDIR, deleted (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The repository root (KEYART_SOURCE_DIR at build time, or the environment).
std::filesystem::path source_dir();
// ../shared/data/artwork beside the repository, if present (CI has it).
std::filesystem::path shared_artwork_dir();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the keyart binary ($KEYART_BINARY, else the one this build made) with args; env entries "K=V" are
// added to the environment. stdin is /dev/null.
CommandResult run_keyart(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});

// A process running in the background (argv[0] is the program's path),
// with its stdout and stderr captured to files.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env = {});
  ~BackgroundProcess();  // SIGKILL if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // Waits until stdout contains `needle` (true) or timeout / exit (false).
  bool wait_for_output(const std::string& needle, int timeout_ms);
  std::string out() const;
  std::string err() const;
  void signal(int sig);
  // Waits for exit; returns the exit code (128 + signal when killed), or -1
  // on timeout.
  int wait(int timeout_ms);
  int pid() const { return pid_; }

 private:
  TempDir io_;
  int pid_ = -1;
  int exit_code_ = -1;
  bool exited_ = false;
};

// A keyart process in the background (e.g. `keyart serve`): args follow
// the binary run_keyart() runs.
class BackgroundKeyart : public BackgroundProcess {
 public:
  explicit BackgroundKeyart(const std::vector<std::string>& args,
                            const std::vector<std::string>& env = {});
};

// Reads a whole file as bytes/text.
std::string read_text(const std::filesystem::path& path);

}  // namespace keyart::testing
