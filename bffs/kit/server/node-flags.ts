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
 * web holds the live-update sockets (issue 25). With 10,000 of them alive, a 64 MB semi-space
 * fills with the fan-out's frames between scavenges, and each scavenge took 20-80 ms
 * (`--trace-gc`): the delivery p99 was 439-458 ms in every run. At 8 MB no scavenge takes 100 ms
 * (16 MB: 69 ms p99 in one run); over 13 runs of `npm run bench:live` the p99 was at most 50 ms in
 * 4 and 466-801 ms in 7, from a stall the fan-out itself makes (README: Configuration). The price
 * is home throughput: MobileHome under
 * 8 MB ran at 0.74x of 64 MB side by side (BENCH_OTHER_NODE_FLAGS='--max-semi-space-size=8'
 * BENCH_SYSTEMS=concierge,concierge-other npm run bench:cpu); web serves fewer homes per replica
 * for it, and scales out by replicas (its HPA) for them.
 */
export const CLIENT_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  web: ['--max-semi-space-size=8'],
};

/** Every node flag a client's BFF process runs with: BFF_NODE_FLAGS, then the client's own. */
export function nodeFlagsOf(client: string): readonly string[] {
  return [...BFF_NODE_FLAGS, ...(CLIENT_NODE_FLAGS[client] ?? [])];
}
