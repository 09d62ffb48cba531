// Leak (C++): every request is a `new Request` that is never deleted (a
// list of pending requests nobody drains), while each request's scratch
// std::vector comes and goes.  Must name handle_request; parse_request
// (churn) must not be named.
#include "lk_common.h"
#include <cstring>
#include <vector>

struct Request {
	Request *next;
	unsigned id;
	char body[300];
};

static Request *pending;

static LK_NOINLINE unsigned parse_request(unsigned i)
{
	std::vector<char> scratch(256 + (i * 131u) % 3000u, 'x');
	return static_cast<unsigned>(scratch.size());
}

static LK_NOINLINE void handle_request(unsigned i)
{
	Request *r = new Request;
	r->id = parse_request(i);
	std::memset(r->body, static_cast<int>(i), sizeof r->body);
	r->next = pending;
	pending = r;
}

int main()
{
	for (unsigned i = 0; i < 500; i++) {
		churn(i);
		handle_request(i);
	}
	return pending == nullptr;
}
