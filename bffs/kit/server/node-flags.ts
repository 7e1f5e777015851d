/**
 * The node flags a BFF process runs with (`npm start`, the cluster, the image, the benchmark).
 *
 * A BFF allocates about half a megabyte per home (parsed downstream JSON, the result, the
 * response text) and holds it for the tens of milliseconds its downstream calls take. With V8's
 * default 16 MB semi-space, a scavenge runs every few dozen requests and copies nearly all of the
 * in-flight requests' objects, which then survive into the old generation: the CPU profile put GC
 * at 18% of the BFF's time. A 64 MB semi-space lets most of a request's objects die young.
 * Measured side by side (bench/quick runs of MobileHome, 3 rounds): 2.5-2.7 -> 1.8-1.9 ms of CPU
 * per home; 32 MB and 128 MB both did worse than 64 MB. It costs up to ~100 MB more RSS.
 */
export const BFF_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * What a client's process adds after BFF_NODE_FLAGS (V8 takes the last of a repeated flag), so
 * the image's ENTRYPOINT stays one and a client's command (compose, its Kubernetes overlay)
 * starts with these.
 *
 * web holds the live-update sockets (issue 25), and runs its garbage collector on its one thread.
 * With 10,000 sockets alive the old generation holds about 270 MB, and marking it takes about
 * 250 ms of CPU. With V8's default concurrent marking on a replica that has one core (the
 * benchmark pins it to one; Kubernetes gives it a limit of one CPU), that marking came as one
 * stall of 260-335 ms in the BFF's event loop whenever an old-generation collection fell while
 * events flowed, and the delivery p99 with it (214 and 237 ms in two runs with 25 s of events;
 * the 8 MB semi-space web ran before only made the collections rarer). Single-threaded, V8 marks
 * in thousands of steps of under a millisecond between the events: over 7 runs with 25 s of events and one to
 * five such collections each, the p99 was 12-22 ms and the BFF's longest loop delay 29-47 ms
 * (`LIVE_NODE_FLAGS='--max-semi-space-size=64 --single-threaded-gc' SECONDS=25 npm run bench:live`
 * before this was web's; `--no-concurrent-marking` did as well in one run, `--v8-pool-size=1` and
 * `--concurrent-marking-max-worker-num=1` did not). The price is homes: MobileHome single-threaded
 * ran at 0.69x of the default side by side, with about twice the RSS under that load (694-783 MiB
 * against 382-408; BENCH_OTHER_NODE_FLAGS=--single-threaded-gc BENCH_SYSTEMS=concierge,concierge-other
 * BENCH_ROUNDS=4 BENCH_SECONDS=10 npm run bench:smoke), about what the 8 MB semi-space cost
 * (0.74x). web serves fewer homes per replica for it, scales out by replicas (its HPA), and its
 * Kubernetes overlay allows it the memory.
 */
export const CLIENT_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  web: ['--single-threaded-gc'],
};

/** Every node flag a client's BFF process runs with: BFF_NODE_FLAGS, then the client's own. */
export function nodeFlagsOf(client: string): readonly string[] {
  return [...BFF_NODE_FLAGS, ...(CLIENT_NODE_FLAGS[client] ?? [])];
}
