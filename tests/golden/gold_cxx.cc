// gold_cxx: long C++ names (namespaces, nested templates, overloads,
// const methods, operators) on the allocation paths.  It calls malloc,
// never operator new, and is linked without libstdc++, so the only blocks
// are its own (libstdc++'s start-up pool would differ between Massif,
// which sees it freed at exit, and a preload).
#include <stdlib.h>

namespace storage {
namespace detail {

template <typename T, unsigned long N> struct Arena {
	static void *grab(unsigned long n, const char *tag)
	{
		(void)tag;
		return malloc(n * N);
	}
};

} // namespace detail

template <typename K, typename V> class Table {
public:
	void *allocBuckets(void *hint, unsigned int count)
	{
		(void)hint;
		return malloc(count * sizeof(V));
	}
	void *rehash(unsigned int count) const
	{
		return const_cast<Table *>(this)->allocBuckets(nullptr, count * 2);
	}
	void *operator()(int rows) { return allocBuckets(this, (unsigned)rows); }
};

} // namespace storage

struct Widget {
	double weights[4];
};

template <typename A, typename B> struct Pair {
	A a;
	B b;
};

static void *sink[32];
static int n;

void *make(unsigned long n_bytes)
{
	return storage::detail::Arena<Widget, 16ul>::grab(n_bytes, "make");
}

void *make(unsigned long n_bytes, int scale)
{
	return storage::detail::Arena<Pair<Widget, storage::Table<int, Widget> >, 4ul>::grab(
		n_bytes * (unsigned long)scale, "scaled");
}

int main()
{
	storage::Table<int, Widget> t;
	storage::Table<Pair<long, char>, double> u;

	sink[n++] = make(100);
	sink[n++] = make(50, 3);
	sink[n++] = t.allocBuckets(nullptr, 40);
	sink[n++] = t.rehash(25);
	sink[n++] = u(300);
	sink[n++] = u.rehash(10);
	sink[n++] = make(20);
	free(sink[0]);
	return 0;
}
