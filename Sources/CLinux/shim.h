// Linux calls Swift's Glibc module does not expose. Prefixed mm_.
#ifndef MMPREP_CLINUX_SHIM_H
#define MMPREP_CLINUX_SHIM_H
// No _GNU_SOURCE here: it would change glibc's own types (fd_set's member is `fds_bits` under
// it, `__fds_bits` without) and clash with the copies of those headers in other modules
// (CDispatch, CFFmpeg) that Swift sees in the same file. The two GNU calls are declared below.
#include <sys/vfs.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#ifndef __USE_GNU
extern int pipe2(int __pipedes[2], int __flags);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *__file_actions, int __from);
#endif

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
