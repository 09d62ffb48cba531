/* Leak: one thread's session cache grows (256 bytes a round) among four
 * threads that only churn.  The five threads move in lock-step rounds (a
 * barrier), so the growth spreads over the whole run whatever the
 * scheduler does.  Must name session_add. */
#include <pthread.h>
#include "lk_common.h"

#define ROUNDS 300

static pthread_barrier_t round_barrier;

struct session {
	struct session *next;
	char data[248];
};

static struct session *sessions;

static LK_NOINLINE void session_add(unsigned i)
{
	struct session *s = malloc(sizeof *s);
	memset(s->data, (int)i, sizeof s->data);
	s->next = sessions;
	sessions = s;
}

static void *session_thread(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ROUNDS; i++) {
		session_add(i);
		pthread_barrier_wait(&round_barrier);
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	unsigned id = (unsigned)(size_t)arg;
	for (unsigned i = 0; i < ROUNDS; i++) {
		churn(i * 4 + id);
		pthread_barrier_wait(&round_barrier);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[5];
	pthread_barrier_init(&round_barrier, NULL, 5);
	for (unsigned k = 0; k < 4; k++)
		pthread_create(&t[k], NULL, churn_thread, (void *)(size_t)k);
	pthread_create(&t[4], NULL, session_thread, NULL);
	for (unsigned k = 0; k < 5; k++)
		pthread_join(t[k], NULL);
	pthread_barrier_destroy(&round_barrier);
	return sessions == NULL;
}
