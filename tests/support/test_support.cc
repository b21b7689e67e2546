#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace keyart::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  fs::path base = fs::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = base / ("keyart-test-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  // Make read-only leftovers removable.
  for (auto it = fs::recursive_directory_iterator(path_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

fs::path source_dir() {
  if (const char* env = std::getenv("KEYART_SOURCE_DIR"); env && *env) return env;
  return KEYART_SOURCE_DIR;
}

fs::path shared_artwork_dir() { return source_dir().parent_path() / "shared" / "data" / "artwork"; }

namespace {

std::vector<char*> c_strings(std::vector<std::string>& storage) {
  std::vector<char*> out;
  for (auto& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    if (entry.rfind("KEYART_DB=", 0) == 0) continue;  // tests pass --db explicitly
    env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

const char* keyart_binary() {
  const char* binary = std::getenv("KEYART_BINARY");
  return binary && *binary ? binary : KEYART_BINARY_PATH;
}

}  // namespace

namespace {
std::vector<std::string> keyart_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{keyart_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}
}  // namespace

BackgroundKeyart::BackgroundKeyart(const std::vector<std::string>& args,
                                   const std::vector<std::string>& env)
    : BackgroundProcess(keyart_argv(args), env) {}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& program_argv,
                                     const std::vector<std::string>& env) {
  std::vector<std::string> argv_storage = program_argv;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (io_ / "stdout").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (io_ / "stderr").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> env_storage = child_environment(env);
  auto argv = c_strings(argv_storage);
  auto envp = c_strings(env_storage);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_storage.at(0));
}

BackgroundProcess::~BackgroundProcess() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait(5000);
  }
}

bool BackgroundProcess::wait_for_output(const std::string& needle, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (out().find(needle) != std::string::npos) return true;
    int status = 0;
    if (!exited_ && waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (exited_) return out().find(needle) != std::string::npos;
    usleep(10000);
  }
  return false;
}

std::string BackgroundProcess::out() const { return read_text(io_ / "stdout"); }
std::string BackgroundProcess::err() const { return read_text(io_ / "stderr"); }

void BackgroundProcess::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

int BackgroundProcess::wait(int timeout_ms) {
  for (int waited = 0; !exited_ && waited <= timeout_ms; waited += 5) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    usleep(5000);
  }
  return exited_ ? exit_code_ : -1;
}

CommandResult run_keyart(const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  BackgroundKeyart process(args, env);
  CommandResult result;
  result.exit_code = process.wait(10 * 60 * 1000);
  result.out = process.out();
  result.err = process.err();
  return result;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace keyart::testing
