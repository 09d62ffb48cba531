"""Python threads: four threads build lists and dicts; results in order."""
import threading


def work(i, out):
    rows = [str(j) * 8 for j in range(20000 + i)]
    table = {r: len(r) for r in rows}
    out[i] = sum(table.values())


out = [0] * 4
threads = [threading.Thread(target=work, args=(i, out)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, v in enumerate(out):
    print("thread %d: %d" % (i, v))
