// Linux calls Swift's Glibc module does not expose. Prefixed mm_.
#ifndef MMPREP_CLINUX_SHIM_H
#define MMPREP_CLINUX_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/vfs.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

/// The filesystem magic number of the filesystem holding `path` (statfs f_type), or -1.
static inline long mm_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long)s.f_type;
}

/// pipe2(2) with O_CLOEXEC.
static inline int mm_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

/// Closes every descriptor from `from` up in a spawned child (glibc 2.34+).
static inline int mm_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
#endif
