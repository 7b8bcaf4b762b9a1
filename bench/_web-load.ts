// The load generator of bench/web.ts, in its own process so the server's event loop is measured
// alone: keeps `concurrency` requests in flight and reports each one's latency over IPC.
process.on('message', async (m: { run?: { urls: string[]; requests: number; concurrency: number } }) => {
  if (!m.run) return;
  const { urls, requests, concurrency } = m.run;
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      const url = urls[next++ % urls.length]!;
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.send?.({ result: { latencies, seconds, failures } });
});
