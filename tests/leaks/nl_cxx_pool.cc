// Not a leak (C++): a message queue (std::deque<std::string>) kept at 100
// messages, and a table of 50 std::vector<int> filled once then rewritten
// in place.  After the first tenth of the run nothing grows.
#include "lk_common.h"
#include <cstdio>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

class Queue
{
      public:
	LK_NOINLINE void push(unsigned i)
	{
		char text[96];
		std::snprintf(text, sizeof text, "message %08u: a payload long enough for the heap",
			      i);
		messages_.emplace_back(text);
		if (messages_.size() > 100)
			messages_.pop_front();
	}

      private:
	std::deque<std::string> messages_;
};

static LK_NOINLINE void table_update(std::unordered_map<unsigned, std::vector<int>> &table,
				     unsigned i)
{
	auto &v = table[i % 50];
	v.assign(64, static_cast<int>(i));
}

int main()
{
	Queue queue;
	std::unordered_map<unsigned, std::vector<int>> table;
	for (unsigned i = 0; i < 1500; i++) {
		if (i % 3 == 0)
			churn(i);
		queue.push(i);
		table_update(table, i);
	}
	return table.size() != 50;
}
