/*
 * wats/common.h - export macros, C++ guards and the memory rule shared by every header.
 *
 * Conventions used throughout libwats (see docs/ARCHITECTURE.md):
 *  - every symbol starts with wats_ / WATS_;
 *  - functions return int: 0 on success, a negative wats_error_code on failure, with details in
 *    wats_error_last();
 *  - out-parameters come first;
 *  - every pointer a function hands back says who owns it; memory the caller owns is released
 *    with wats_free() unless the header names a dedicated destructor; destructors accept NULL.
 */
#ifndef WATS_COMMON_H
#define WATS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define WATS_BEGIN_DECL extern "C" {
#define WATS_END_DECL }
#else
#define WATS_BEGIN_DECL
#define WATS_END_DECL
#endif

#if defined(_WIN32)
#if defined(WATS_BUILDING_LIBRARY)
#define WATS_EXTERN(type) __declspec(dllexport) type
#else
#define WATS_EXTERN(type) __declspec(dllimport) type
#endif
#elif defined(__GNUC__)
#define WATS_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define WATS_EXTERN(type) type
#endif

WATS_BEGIN_DECL

/** Release memory that libwats handed to the caller (strings, buffers). NULL is a no-op. */
WATS_EXTERN(void) wats_free(void *ptr);

WATS_END_DECL
#endif
