/**
 * The node flags a BFF process runs with (`npm start`, the benchmark).
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
