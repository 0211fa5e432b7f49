#include "compiler/check.h"
