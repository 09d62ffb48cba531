/* debugcache: separate debug files kept inflated between runs.
 *
 * Debian's -dbg packages compress their DWARF sections (SHF_COMPRESSED),
 * and libdw inflates every one of a file's when it first opens it:
 * libc6-dbg's 4 MB file takes some 60 ms and 10 MB of heap, on every run
 * whose stacks reach libc, which is most of what a short program waits
 * for after its exit.  The symbolizer keeps one uncompressed copy of each
 * such file, named by its build-id, in a cache directory, and hands libdw
 * that copy instead: written once (to a name of its own, synced, renamed
 * into place, so a reader never sees half a file), its build-id checked
 * on every open.  Any failure (no directory, no space, an unreadable
 * file) gives the original file, as without the cache.
 *
 * The directory: $HEAPSNAP_DEBUG_CACHE when it is an absolute path, else
 * $XDG_CACHE_HOME/heapsnap/debug, else ~/.cache/heapsnap/debug; made with
 * mode 0700 when missing.  HEAPSNAP_DEBUG_CACHE=0 (or any value that is
 * not an absolute path) turns the cache off.  Files are never removed here: deleting the directory is
 * always safe.
 */
#ifndef HS_DEBUGCACHE_H
#define HS_DEBUGCACHE_H

/* Given fd, an open separate debug file whose build-id is id[0..id_len)
 * and whose path is *file_name (malloc'd): when it has compressed
 * sections, the cache's inflated copy, made now if missing.  Returns the
 * descriptor to use: the copy's (fd closed, *file_name replaced by the
 * copy's path), or fd itself. */
int hs_debugcache_swap(int fd, const unsigned char *id, int id_len, char **file_name);

/* Write an uncompressed copy of the ELF file open on in_fd to out_fd
 * (empty, writable): every SHF_COMPRESSED section inflated, everything
 * else as it is.  Returns 0, or -1 (out_fd then holds garbage). */
int hs_debugcache_write_plain(int in_fd, int out_fd);

#endif
