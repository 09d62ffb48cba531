/* model: a parsed Massif file (see model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void
hs_model_free(struct hs_model *m)
{
    if (!m)
        return;
    if (m->buf_mapped)
        munmap(m->buf, m->buf_len);
    else
        free(m->buf);
    free(m->desc);
    free(m->snapshots);
    free(m->nodes);
    memset(m, 0, sizeof *m);
    m->peak_num = -1;
    m->peak_index = SIZE_MAX;
}
