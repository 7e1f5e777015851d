/**
 * Loaded with `--import` into the mocks: when the `npm run dev` supervisor goes away (even by
 * SIGKILL, which it cannot relay), the IPC channel closes and the child stops as it would on
 * SIGTERM, so no orphaned mocks keep the ports. BFF children do the same in bff-child.ts.
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
