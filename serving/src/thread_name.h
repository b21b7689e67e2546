// Names a thread for operators' tools (top -H, ps -L, perf, gdb), from the
// thread that started it, so the name is there once the start returns: at
// most 15 bytes, longer names are cut. Best effort: a name the system
// refuses leaves the thread as it was.
#pragma once

#include <pthread.h>

#include <string>
#include <thread>

namespace keyart::serving {

inline void name_thread(std::thread& thread, const std::string& name) {
  pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

}  // namespace keyart::serving
