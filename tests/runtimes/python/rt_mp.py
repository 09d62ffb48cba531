"""Python multiprocessing with each start method (fork, spawn, forkserver):
a Pool maps a function, then Pool.terminate() ends the workers with SIGTERM
while they wait for work (issue 10: fork-mode pools left 0-byte files)."""
import multiprocessing as mp


def square_list(n):
    return sum(x * x for x in list(range(n)))


if __name__ == "__main__":
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        pool = ctx.Pool(2)
        print(method, pool.map(square_list, [1000, 2000, 3000]))
        pool.terminate()
        pool.join()
