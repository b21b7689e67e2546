# The layering check (docs/ARCHITECTURE.md, "Arrows"). Each library says
# which of keyart's libraries it may link; configuring fails when it links
# another one, or a third-party library it must not use, so a wrong arrow
# cannot be added without changing this file and the map together.

# keyart_allow_links(TARGET [ALLOWED...]): TARGET links no keyart_* library
# but ALLOWED (keyart_options, the shared compile options, is not a layer).
function(keyart_allow_links target)
  get_target_property(links ${target} LINK_LIBRARIES)
  if(NOT links)
    return()
  endif()
  foreach(link ${links})
    if(link MATCHES "^keyart_" AND NOT link STREQUAL "keyart_options")
      list(FIND ARGN ${link} found)
      if(found EQUAL -1)
        message(FATAL_ERROR "layering: ${target} links ${link}, which it must not "
                            "(allowed: ${ARGN}; see docs/ARCHITECTURE.md)")
      endif()
    endif()
  endforeach()
endfunction()

# keyart_forbid_third_party(TARGET [PATTERN...]): TARGET links nothing whose
# name contains one of the patterns (e.g. SQLite, OpenCV).
function(keyart_forbid_third_party target)
  get_target_property(links ${target} LINK_LIBRARIES)
  if(NOT links)
    return()
  endif()
  foreach(link ${links})
    foreach(pattern ${ARGN})
      string(FIND "${link}" "${pattern}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "layering: ${target} links ${link}, which it must not use "
                            "(see docs/ARCHITECTURE.md)")
      endif()
    endforeach()
  endforeach()
endfunction()
