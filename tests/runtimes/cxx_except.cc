// C++: exceptions thrown through frames that own heap memory, and static
// objects whose destructors free memory after main returns.
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct Registry {
	std::map<int, std::string> names;
	~Registry() { std::printf("registry destroyed with %zu names\n", names.size()); }
};
static Registry registry;

__attribute__((noinline)) static std::vector<int> *make_rows(int n)
{
	auto *rows = new std::vector<int>(n, 7);
	return rows;
}

__attribute__((noinline)) static int parse_or_throw(int i)
{
	std::unique_ptr<std::vector<int>> tmp(make_rows(1000));
	if (i % 3 == 0)
		throw std::runtime_error("bad row " + std::to_string(i));
	return (int)tmp->size();
}

int main()
{
	std::vector<std::unique_ptr<std::vector<int>>> kept;
	int caught = 0, total = 0;

	for (int i = 0; i < 30; i++) {
		try {
			total += parse_or_throw(i);
			kept.emplace_back(make_rows(5000));
		} catch (const std::exception &e) {
			caught++;
			registry.names[i] = e.what();
		}
	}
	std::printf("caught %d, total %d, kept %zu\n", caught, total, kept.size());
	return 0;
}
