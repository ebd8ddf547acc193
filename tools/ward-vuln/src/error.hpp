// Errors of ward-vuln's inputs.
//
// A malformed vulnerability record, SBOM or feature map is the user's data, not a bug: it is
// reported as "<file>: <where>: <what>" and ends the run with exit status 2, never with a crash or a
// silently skipped record (a skipped record could hide a vulnerability).
#pragma once

#include <stdexcept>
#include <string>

namespace ward::vuln {

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, const std::string& what) : std::runtime_error(file + ": " + what) {}
};

}  // namespace ward::vuln
