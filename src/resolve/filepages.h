/* filepages: the resident pages of a file this process maps privately
 * and will mostly not read again, handed back to the kernel.
 *
 * libdw maps a module's separate debug file whole and, when its sections
 * are compressed (Debian's libc6-dbg), inflates every one into memory on
 * first use: the compressed bytes it read stay resident in the mapping,
 * 4 MB of libc's, though nothing reads them again.  Dropping a clean
 * page of a private file mapping changes nothing a later read sees (it
 * faults back in from the page cache).  A page written since it was
 * mapped (libelf updates the section headers it inflated) is no longer
 * the file's and would lose the write: /proc/self/pagemap tells them
 * apart, and such pages stay.
 */
#ifndef HS_FILEPAGES_H
#define HS_FILEPAGES_H

#include <stddef.h>

/* Drop the resident, unwritten pages of the private file mapping that
 * holds address within: only that one, not another mapping of the same
 * file (another symbolizer's, maybe in use by another thread).  Returns
 * the KiB dropped (0 if none, if within is in no such mapping, or if
 * /proc cannot be read). */
size_t hs_filepages_release(const void *within);

#endif
