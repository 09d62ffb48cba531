// Leak (C++): a registry (std::map of std::string) that grows all run and
// is destroyed on a tidy shutdown by its static destructor.  The bytes come
// through operator new, std::allocator and std::string; must name
// Registry::add.
#include "lk_common.h"
#include <cstdio>
#include <map>
#include <string>

class Registry
{
      public:
	LK_NOINLINE void add(unsigned id)
	{
		char name[80];
		std::snprintf(name, sizeof name, "user-%08u@registry.example.org/profile/settings",
			      id);
		users_.emplace(id, std::string(name));
	}
	std::size_t size() const
	{
		return users_.size();
	}

      private:
	std::map<unsigned, std::string> users_;
};

static Registry registry;

int main()
{
	for (unsigned i = 0; i < 600; i++) {
		churn(i);
		registry.add(i);
	}
	return registry.size() != 600;
}
