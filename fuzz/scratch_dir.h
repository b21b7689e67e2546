// A private temporary folder for one fuzzing process (under $TMPDIR, else
// /tmp), created on first use and removed with everything in it when the
// process exits normally. Fuzz targets keep their ledger and temp files here.
#pragma once

#include <filesystem>

namespace keyart::fuzz {

const std::filesystem::path& scratch_dir();

}  // namespace keyart::fuzz
