// Counts calls of the global operator new in the engine test program.
#pragma once

long allocation_count();
