// ward-mgmt's exit codes (docs/device-management.md, "Scripting updates with ward-mgmt"): one per
// kind of failure, so that a script can tell "fix the command" from "retry the link" from "the
// device said no".
#pragma once

namespace ward::mgmt_client {

enum class ExitCode : int {
  ok = 0,
  device = 1,     // the device answered with an error (SMP rc or a group's err)
  usage = 2,      // bad options, connection string or input file; an unsupported connection type
  transport = 3,  // the link could not be opened or failed, or the device's reply was malformed
  timeout = 4,    // no valid reply after every try
};

}  // namespace ward::mgmt_client
