// rec_cxx_fail: operator new's failures, as the C++ library defines them:
// std::bad_alloc thrown, the new-handler called until it gives up, and
// nullptr from the nothrow forms.  Prints what happened; the output must
// not depend on running under heapsnap (tests/recorder/rec_sample.py).
#include <cstddef>
#include <cstdio>
#include <new>

static int handler_calls;

static void handler()
{
	// Called when an allocation fails; the second time it gives up, so
	// operator new throws.
	if (++handler_calls == 2)
		std::set_new_handler(nullptr);
}

int main()
{
	volatile std::size_t huge = (std::size_t)1 << 62;
	try {
		char *p = new char[huge];
		p[0] = 1;
		std::puts("new[]: a block");
	} catch (const std::bad_alloc &) {
		std::puts("new[]: bad_alloc");
	}
	try {
		void *p = ::operator new(huge);
		std::puts("new: a block");
		::operator delete(p);
	} catch (const std::bad_alloc &) {
		std::puts("new: bad_alloc");
	}
	char *q = new (std::nothrow) char[huge];
	std::puts(q != nullptr ? "nothrow new[]: a block" : "nothrow new[]: nullptr");
	void *r = ::operator new(huge, std::nothrow);
	std::puts(r != nullptr ? "nothrow new: a block" : "nothrow new: nullptr");
	std::set_new_handler(handler);
	try {
		char *p = new char[huge];
		p[0] = 1;
		std::puts("handler: a block");
	} catch (const std::bad_alloc &) {
		std::printf("handler: called %d times, then bad_alloc\n", handler_calls);
	}
	char *zero = new char[0];
	std::puts(zero != nullptr ? "new[0]: a block" : "new[0]: nullptr");
	delete[] zero;
	return 0;
}
