// Exit codes of kanaryactl, the same for every subcommand.
#ifndef KANARYA_CLI_EXIT_CODES_H_
#define KANARYA_CLI_EXIT_CODES_H_

namespace kanarya::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (unreachable server, ...)
inline constexpr int kExitUsage = 2;    // bad flags or bad input; the message names the field

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_EXIT_CODES_H_
