// Java: a fixed thread pool of four, each task building strings and maps;
// the results are printed in submission order so the output is stable.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class RtPool {
    static long task(int id) {
        Map<Integer, String> m = new HashMap<>();
        for (int i = 0; i < 20000; i++)
            m.put(i, "task" + id + "-" + i);
        long sum = 0;
        for (String s : m.values())
            sum += s.length();
        return sum;
    }

    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> results = new ArrayList<>();
        for (int id = 0; id < 8; id++) {
            final int n = id;
            results.add(pool.submit(() -> task(n)));
        }
        for (int id = 0; id < 8; id++)
            System.out.println("task " + id + ": " + results.get(id).get());
        pool.shutdown();
    }
}
