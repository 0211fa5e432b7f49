#include "compiler/codegen/codegen.h"
