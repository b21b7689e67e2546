// The serving hook when the ledger's disk fails: on a small tmpfs that fills
// up (under the SQLite file; under the PostgreSQL tablespace that holds the
// events), decisions keep flowing, the service reports itself degraded,
// nothing is silently lost, and it recovers by itself when space comes back.
// Needs root (mount); skipped otherwise. (A locked ledger is covered in
// ledger_writer_test.cc; a tmpfs with open files cannot be remounted
// read-only, so that case is not simulated here.)
#include <gtest/gtest.h>

#include "sqlite.h"
#include <pwd.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "serving/serving_fixture.h"

namespace keyart::serving {
namespace {

namespace fs = std::filesystem;
using testing::ServingFixture;

// A tmpfs of the given size mounted on a fresh folder, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    std::string options = "size=" + size;
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  fs::path path() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
  bool mounted_ = false;
};

// Fills the disk with a file until writing fails; returns its path.
fs::path fill(const fs::path& dir) {
  fs::path filler = dir / "filler";
  std::ofstream out(filler, std::ios::binary);
  std::string block(64 * 1024, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
  }
  return filler;
}

template <typename Pred>
bool eventually(Pred pred, int timeout_ms = 10000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

std::string copy_fixture_to(const ServingFixture& f, const fs::path& dir) {
  ledger::Ledger ledger = ledger::Ledger::open(f.path);
  ledger.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  fs::path target = dir / "ledger.db";
  fs::copy_file(f.path, target);
  return target.string();
}

TEST(LedgerFaults, DiskFullDegradesThenRecovers) {
  KEYART_SQLITE_ONLY();  // a full disk under the ledger file (the server's own disk: not here)
  SmallDisk disk("4m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  ServingFixture f;
  ServiceOptions o = f.options();
  o.ledger_path = copy_fixture_to(f, disk.path());
  o.writer.retry_initial_ms = 10;
  o.writer.retry_max_ms = 50;
  auto service = Service::open(o);
  fs::path filler = fill(disk.path());
  int answered = 0, fallbacks = 0;
  for (int i = 0; i < 20000 && service->healthy(); ++i) {
    DecideResult d = service->decide(ServingFixture::request("u" + std::to_string(i), "t2", 0));
    (d.fallback ? fallbacks : answered)++;
  }
  ASSERT_TRUE(eventually([&] { return !service->healthy(); })) << "the disk never filled";
  ServiceStats degraded = service->stats();
  EXPECT_TRUE(degraded.degraded);
  EXPECT_GT(degraded.writer.failures, 0u);
  EXPECT_FALSE(degraded.writer.last_error.empty());
  // Decisions still flow while degraded.
  for (int i = 0; i < 100; ++i) {
    DecideResult d = service->decide(ServingFixture::request("late" + std::to_string(i), "t2", 0));
    EXPECT_FALSE(d.variant_id.empty());
    (d.fallback ? fallbacks : answered)++;
  }
  fs::remove(filler);
  ASSERT_TRUE(eventually([&] { return service->healthy(); })) << service->stats().writer.last_error;
  service->shutdown();
  ServiceStats end = service->stats();
  EXPECT_EQ(end.writer.exposures_committed + end.writer.dropped, static_cast<uint64_t>(answered));
  EXPECT_EQ(end.writer.dropped, 0u);
  ledger::Ledger ledger = ledger::Ledger::open(o.ledger_path);
  EXPECT_EQ(ledger::count_exposures(ledger), answered);
  EXPECT_EQ(ledger.db().query_int("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

// The PostgreSQL server's disk fills: the ledger's event partitions live in
// a tablespace on a small tmpfs (the server runs as nobody, which must own
// it). The writer's commit fails with the server's disk-full error, the
// batch is kept, the service degrades and recovers when space returns.
class Tablespace {
 public:
  Tablespace(const std::string& name, const fs::path& dir, const std::string& database)
      : name_(name) {
    if (const passwd* nobody = ::getpwnam("nobody"); nobody != nullptr && ::getuid() == 0) {
      EXPECT_EQ(::chown(dir.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
    }
    testing::postgres_admin("CREATE TABLESPACE " + name_ + " LOCATION '" + dir.string() + "'");
    testing::postgres_admin("ALTER DATABASE " + database + " SET default_tablespace = " + name_);
  }
  ~Tablespace() {
    try {
      testing::postgres_admin("DROP TABLESPACE IF EXISTS " + name_);
    } catch (const std::exception&) {
    }
  }

 private:
  std::string name_;
};

TEST(LedgerFaults, PostgresDiskFullDegradesThenRecovers) {
  KEYART_POSTGRES_ONLY();
  SmallDisk disk("8m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  fs::path space = disk.path() / "space";
  fs::create_directory(space);
  // Destroyed in reverse: the fixture's database, then the tablespace, then
  // the tmpfs.
  std::unique_ptr<Tablespace> tablespace;
  ServingFixture f;
  const std::string database = f.path.substr(f.path.rfind('/') + 1);
  tablespace = std::make_unique<Tablespace>("ts_" + database, space, database);
  ServiceOptions o = f.options();
  o.writer.retry_initial_ms = 10;
  o.writer.retry_max_ms = 50;
  auto service = Service::open(o);
  // The first events create their day's partitions in the tablespace.
  for (int i = 0; i < 10; ++i) service->decide(ServingFixture::request("u" + std::to_string(i), "t2", 0));
  ASSERT_TRUE(eventually([&] { return service->stats().writer.exposures_committed == 10; }));
  fs::path filler = fill(disk.path());
  int answered = 10, fallbacks = 0;
  for (int i = 10; i < 200000 && service->healthy(); ++i) {
    DecideResult d = service->decide(ServingFixture::request("u" + std::to_string(i), "t2", 0));
    (d.fallback ? fallbacks : answered)++;
  }
  ASSERT_TRUE(eventually([&] { return !service->healthy(); })) << "the disk never filled";
  ServiceStats degraded = service->stats();
  EXPECT_GT(degraded.writer.failures, 0u);
  EXPECT_NE(degraded.writer.last_error.find("space"), std::string::npos)
      << degraded.writer.last_error;
  for (int i = 0; i < 100; ++i) {
    DecideResult d = service->decide(ServingFixture::request("late" + std::to_string(i), "t2", 0));
    EXPECT_FALSE(d.variant_id.empty());
    (d.fallback ? fallbacks : answered)++;
  }
  fs::remove(filler);
  ASSERT_TRUE(eventually([&] { return service->healthy(); }, 30000))
      << service->stats().writer.last_error;
  service->shutdown();
  ServiceStats end = service->stats();
  EXPECT_EQ(end.writer.dropped, 0u);
  EXPECT_EQ(ledger::count_exposures(f.ledger), answered);
}

}  // namespace
}  // namespace keyart::serving
