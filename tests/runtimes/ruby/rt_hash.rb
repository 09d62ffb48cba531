# Ruby: a thread per slice builds hashes and strings; output in order.
results = Array.new(4)
threads = (0...4).map do |t|
  Thread.new do
    h = {}
    20_000.times { |i| h["k#{t}-#{i}"] = "v" * (i % 50) }
    results[t] = h.values.sum(&:size)
  end
end
threads.each(&:join)
results.each_with_index { |v, t| puts "thread #{t}: #{v}" }
