// rec_cxx_ownmalloc: a C++ program that brings its own malloc, free,
// calloc and realloc (as one linking an allocator in does), each block
// marked, and whose free aborts on a block it did not make.  libstdc++'s
// operator new and delete then use these; heapsnap's own operator new
// must leave them so (tests/recorder/rec_sample.py).
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

extern "C" void *__libc_malloc(std::size_t);
extern "C" void __libc_free(void *);

static const std::size_t MARK = 0x6865617073;

extern "C" void *malloc(std::size_t n)
{
	std::size_t *p = static_cast<std::size_t *>(__libc_malloc(n + 16));
	if (p == nullptr)
		return nullptr;
	p[0] = MARK;
	p[1] = n;
	return p + 2;
}

extern "C" void free(void *q)
{
	if (q == nullptr)
		return;
	std::size_t *p = static_cast<std::size_t *>(q) - 2;
	if (p[0] != MARK) {
		static const char msg[] = "rec_cxx_ownmalloc: free of a block not ours\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
	p[0] = 0;
	__libc_free(p);
}

extern "C" void *calloc(std::size_t m, std::size_t n)
{
	if (n != 0 && m > (std::size_t)-1 / n)
		return nullptr;
	void *p = malloc(m * n);
	if (p != nullptr)
		std::memset(p, 0, m * n);
	return p;
}

extern "C" void *realloc(void *q, std::size_t n)
{
	void *p = malloc(n);
	if (p != nullptr && q != nullptr) {
		std::size_t old = (static_cast<std::size_t *>(q) - 2)[1];
		std::memcpy(p, q, old < n ? old : n);
		free(q);
	}
	return p;
}

int main()
{
	for (int i = 0; i < 2000; i++) {
		int *volatile a = new int[10];
		a[0] = i;
		delete[] a;
		long *volatile b = new long(i);
		delete b;
	}
	std::puts("ok");
	return 0;
}
