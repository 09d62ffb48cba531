// golden_cxx: C++ allocations through templates and lambdas, for long
// demangled names and names with '#' (which ms_print cuts as a comment).
#include <map>
#include <string>
#include <vector>

template <typename K, typename V>
std::map<K, std::vector<V>> build(int n)
{
    std::map<K, std::vector<V>> m;
    for (int i = 0; i < n; i++)
        m[K(i)].push_back(V());
    return m;
}

int main()
{
    auto make = [](int n) { return new std::vector<std::string>(n, "some text that is long enough"); };
    auto *v = make(50);
    auto m = build<long, std::string>(40);
    auto m2 = build<int, double>(300);
    delete v;
    return static_cast<int>(m.size() + m2.size()) == 0;
}
