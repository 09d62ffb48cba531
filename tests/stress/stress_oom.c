/* stress_oom: lowers its address-space limit (RLIMIT_AS) to what it uses
 * plus 128 MiB, then allocates 64-byte blocks until malloc returns NULL,
 * frees them all and allocates again a little.  The program must behave
 * as it does natively; the recorder, which runs out of room too, must
 * still write a valid file, saying in its desc: line and once on stderr
 * that it gave up.
 * HS_STRESS_ITERATIONS: rounds of fill-and-free (default 2). */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "stress_common.h"

#define BLOCK_BYTES 64
#define ROOM_BYTES (128UL << 20)

/* The process's current virtual size, from /proc/self/statm, in bytes. */
static unsigned long
vm_size_B(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    STRESS_CHECK(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    STRESS_CHECK(n > 0);
    buf[n] = '\0';
    return strtoul(buf, NULL, 10) * (unsigned long)sysconf(_SC_PAGESIZE);
}

int
main(void)
{
    unsigned long rounds = stress_iterations(2);
    struct rlimit rl = { vm_size_B() + ROOM_BYTES, RLIM_INFINITY };
    STRESS_CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
    size_t cap = ROOM_BYTES / BLOCK_BYTES;
    void **blocks = calloc(cap, sizeof *blocks);
    STRESS_CHECK(blocks != NULL);
    for (unsigned long r = 0; r < rounds; r++) {
        size_t n = 0;
        for (;;) {
            STRESS_CHECK(n < cap);
            errno = 0;
            void *p = malloc(BLOCK_BYTES);
            if (p == NULL) {
                STRESS_CHECK(errno == ENOMEM);
                break;
            }
            ((char *)p)[0] = 1;
            blocks[n++] = p;
        }
        STRESS_CHECK(n > 100);
        for (size_t i = 0; i < n; i++)
            free(blocks[i]);
        say("round %lu: malloc returned NULL with ENOMEM after filling the limit\n", r);
    }
    free(blocks);
    void *after = malloc(1000);
    STRESS_CHECK(after != NULL);
    free(after);
    say("allocating again after freeing: ok\n");
    return 0;
}
