// Exit codes of kanaryactl, the same for every subcommand (scripts branch on
// them; `wait` uses all five).
#ifndef KANARYA_CLI_EXIT_CODES_H_
#define KANARYA_CLI_EXIT_CODES_H_

namespace kanarya::cli {

inline constexpr int kExitOk = 0;           // done; for `wait`: the rollout succeeded
inline constexpr int kExitFailure = 1;      // the daemon refused the call (not found, illegal
                                            // in the phase...); for `wait`: rolled back,
                                            // aborted or failed
inline constexpr int kExitUsage = 2;        // bad flags or bad input; the message names the field
inline constexpr int kExitTimeout = 3;      // `wait` reached its --timeout
inline constexpr int kExitUnreachable = 4;  // the daemon did not answer

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_EXIT_CODES_H_
