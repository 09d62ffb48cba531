// rec_cxx: C++ new/delete, new[]/delete[], a class with a constructor that
// allocates, and a std::vector growing by doubling.  Uses no iostreams, so
// no stream buffers are allocated.
// rec_common.h first: its -O0 pragma must cover the templates below.
#include "rec_common.h"

#include <cstddef>
#include <new>
#include <vector>

struct Node {
	explicit Node(std::size_t n) : payload(new char[n]) {}
	~Node() { delete[] payload; }
	char *payload;
};

static REC_NOINLINE Node *make_node(std::size_t n)
{
	return new Node(n);
}

static REC_NOINLINE void fill(std::vector<int> &v, int n)
{
	for (int i = 0; i < n; i++)
		v.push_back(i);
}

int main()
{
	int *one = new int(7);
	rec_keep(one);
	double *arr = new double[300];
	rec_keep(arr);
	Node *a = make_node(1000);
	Node *b = make_node(3000);
	std::vector<int> v;
	fill(v, 600);
	char *nt = new (std::nothrow) char[777];
	rec_keep(nt);
	delete a;
	delete[] arr;
	delete b;
	delete[] nt;
	// one and the vector's buffer are still live when main returns
	// (the vector is destroyed at the closing brace, after the peak).
	return 0;
}
