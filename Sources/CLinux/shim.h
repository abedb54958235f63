// Linux calls Swift's Glibc module does not expose. Prefixed mm_.
#ifndef MMPREP_CLINUX_SHIM_H
#define MMPREP_CLINUX_SHIM_H
#include <sys/vfs.h>

/// The filesystem magic number of the filesystem holding `path` (statfs f_type), or -1.
static inline long mm_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long)s.f_type;
}
#endif
