#include "cli/judge_command.h"

#include <gtest/gtest.h>
