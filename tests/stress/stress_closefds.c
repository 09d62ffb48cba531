/* stress_closefds: closes every file descriptor it may have (including the
 * launcher's report pipe and stdout), reopens fd 0-2 on /dev/null, then
 * allocates and exits 5.  The recorder must still write a valid file and
 * must not write into a descriptor the program reused. */
#include <fcntl.h>
#include <sys/resource.h>

#include "stress_common.h"

int
main(void)
{
    struct rlimit rl;
    STRESS_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    int max_fd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536
                     ? 65536 : (int)rl.rlim_cur;
    for (int fd = 0; fd < max_fd; fd++)
        close(fd);
    /* Reuse the low numbers, so a stale descriptor would land in them. */
    for (int k = 0; k < 8; k++) {
        int fd = open("/dev/null", O_RDWR);
        STRESS_CHECK(fd == k);
    }
    void *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = malloc(1000);
        STRESS_CHECK(p[i] != NULL);
    }
    for (int i = 0; i < 50; i++)
        free(p[i]);
    return 5;
}
