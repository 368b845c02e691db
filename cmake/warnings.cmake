# Every target in the tree builds warning-free under these flags.
add_compile_options(-Wall -Wextra -Werror -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral)
add_compile_definitions(_GNU_SOURCE)

if(WATS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(WATS_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
