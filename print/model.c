/* model: a parsed Massif file (see model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

void
hs_model_free(struct hs_model *m)
{
    if (!m)
        return;
    free(m->buf);
    free(m->desc);
    free(m->snapshots);
    free(m->nodes);
    memset(m, 0, sizeof *m);
    m->peak_num = -1;
    m->peak_index = SIZE_MAX;
}
