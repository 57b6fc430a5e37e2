#include <gtest/gtest.h>

#include "cli/judge_command.h"
