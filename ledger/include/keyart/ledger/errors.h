// Errors raised by the ledger. Every failure is a LedgerError whose kind says
// what the caller should do (the CLI maps kinds to exit codes, the HTTP server
// to status codes); what() is one line naming the problem.
#pragma once

#include <stdexcept>
#include <string>

namespace keyart::ledger {

enum class ErrorKind {
  kNotFound,    // an id that does not exist
  kConflict,    // a duplicate id or a state that forbids the change
  kInvalid,     // input that breaks a rule (CHECK, shares, formats)
  kSchema,      // the file is not a keyart ledger or is from a newer version
  kReadOnly,    // the ledger cannot be written
  kBusy,        // another writer holds the lock past the timeout
  kIo,          // disk full, I/O error, corrupt file
  kInternal,    // anything else the storage reports
};

const char* error_kind_name(ErrorKind kind);

class LedgerError : public std::runtime_error {
 public:
  LedgerError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace keyart::ledger
