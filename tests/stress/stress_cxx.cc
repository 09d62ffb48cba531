// stress_cxx: C++ heap use under the recorder: exceptions thrown and caught
// in a loop (each one allocated by __cxa_allocate_exception), aligned
// operator new[] / delete[], std containers, threads throwing, and static
// objects whose destructors free at exit, after main has returned.
// HS_STRESS_ITERATIONS: exceptions thrown (default 20000).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

namespace {

// Printed with write(2): no stdio buffer on the heap.
void say(const std::string &s)
{
    const char *p = s.data();
    size_t len = s.size();
    while (len > 0) {
        ssize_t w = write(1, p, len);
        if (w <= 0)
            return;
        p += w;
        len -= static_cast<size_t>(w);
    }
}

struct alignas(64) Cell {
    unsigned char bytes[64];
};

// Freed by its destructor after main returns.
struct Registry {
    std::map<std::string, std::vector<int>> entries;
    ~Registry() { entries.clear(); }
};
Registry registry;
static std::vector<std::string> names(100, std::string(100, 'n'));
// Exceptions kept alive (their objects come from __cxa_allocate_exception)
// until the static destructors run.
static std::vector<std::exception_ptr> kept_exceptions;

unsigned long iterations()
{
    const char *v = std::getenv("HS_STRESS_ITERATIONS");
    if (v == nullptr || *v == '\0')
        return 20000;
    unsigned long n = std::strtoul(v, nullptr, 10);
    return n ? n : 20000;
}

[[gnu::noinline]] void thrower(unsigned long i)
{
    if (i % 2)
        throw std::runtime_error("odd " + std::to_string(i));
    throw std::vector<int>(i % 100 + 1, 7);
}

unsigned long throw_and_catch(unsigned long n, bool keep)
{
    unsigned long caught = 0;
    for (unsigned long i = 0; i < n; i++) {
        try {
            thrower(i);
        } catch (const std::runtime_error &e) {
            caught += std::strlen(e.what()) > 0;
            if (keep && kept_exceptions.size() < 100)
                kept_exceptions.push_back(std::current_exception());
        } catch (const std::vector<int> &v) {
            caught += v.size() > 0;
        }
    }
    return caught;
}

} // namespace

int main()
{
    unsigned long n = iterations();
    unsigned long caught = throw_and_catch(n, true);

    // Threads throwing at the same time.
    std::vector<std::thread> threads;
    std::vector<unsigned long> per_thread(4);
    for (unsigned t = 0; t < 4; t++)
        threads.emplace_back([&per_thread, t, n] { per_thread[t] = throw_and_catch(n / 4, false); });
    for (auto &t : threads)
        t.join();
    for (unsigned long c : per_thread)
        caught += c;

    // Over-aligned arrays: operator new[](size_t, align_val_t).
    unsigned long misaligned = 0;
    for (int i = 1; i <= 1000; i++) {
        Cell *cells = new Cell[static_cast<size_t>(i)];
        misaligned += reinterpret_cast<std::uintptr_t>(cells) % 64 != 0;
        delete[] cells;
        auto *raw = static_cast<unsigned char *>(
            ::operator new[](static_cast<size_t>(i) * 32, std::align_val_t(4096)));
        misaligned += reinterpret_cast<std::uintptr_t>(raw) % 4096 != 0;
        ::operator delete[](raw, std::align_val_t(4096));
    }

    // Left for the static destructors to free at exit.
    for (int i = 0; i < 200; i++)
        registry.entries["key" + std::to_string(i)] = std::vector<int>(50, i);
    auto kept = std::make_unique<int[]>(1000);

    say("caught=" + std::to_string(caught) + " of " + std::to_string(n + 4 * (n / 4)) +
        " kept=" + std::to_string(kept_exceptions.size()) +
        " misaligned=" + std::to_string(misaligned) + "\n");
    return 0;
}
