/* callsites: the direct call sites' table (see callsites.h). */
#include "callsites.h"

#include <string.h>

struct hs_callsites hs_callsites;

void hs_callsites_reset(void)
{
	memset(&hs_callsites, 0, sizeof hs_callsites);
}
