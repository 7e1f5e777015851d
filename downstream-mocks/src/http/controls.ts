import { RequestCounters } from './counters.ts';
import { FaultPacer, appliesTo, chooseFault, parseFaultSettings, type FaultAction, type FaultSettings } from './faults.ts';
import { sampleDelay, type LatencySettings } from './latency.ts';
import { Router } from './router.ts';

/**
 * One service's run-time controls, whatever it speaks (REST, or gRPC: grpc/server.ts): its
 * request counters and its injected faults, and the admin routes under `/__admin/` that read and
 * set them (downstream-mocks/README.md, "Admin routes").
 */
export class ServiceControls {
  readonly counters = new RequestCounters();
  private faults: FaultSettings = {};
  private pacer = new FaultPacer();

  /** `GET`/`PUT`/`DELETE /__admin/faults`, `GET /__admin/counters`, `POST /__admin/counters/reset`. */
  readonly admin = new Router([
    { method: 'GET', path: '/__admin/counters', handler: () => this.counters.snapshot() },
    { method: 'POST', path: '/__admin/counters/reset', handler: () => (this.counters.reset(), undefined) },
    { method: 'GET', path: '/__admin/faults', handler: () => this.faults },
    { method: 'PUT', path: '/__admin/faults', handler: ({ body }) => this.setFaults(parseFaultSettings(body)) },
    { method: 'DELETE', path: '/__admin/faults', handler: () => (this.setFaults({}), undefined) },
  ]);

  /** A new setting restarts the rates' pattern (faults.ts, FaultPacer). */
  setFaults(settings: FaultSettings): FaultSettings {
    this.pacer = new FaultPacer();
    return (this.faults = settings);
  }

  /**
   * Counts one request to `routeKey` and decides what it suffers: the delay to add (the
   * environment's latency and the fault's), then at most one fault; an `unfaulted` route (an
   * event feed) suffers neither.
   */
  admit(routeKey: string, latency: LatencySettings, unfaulted = false): { delayMs: number; fault: FaultAction } {
    this.counters.increment(routeKey);
    if (unfaulted) return { delayMs: 0, fault: { kind: 'none' } };
    const active = appliesTo(this.faults, routeKey) ? this.faults : {};
    return { delayMs: sampleDelay(latency) + (active.latencyMs ?? 0), fault: chooseFault(active, this.pacer) };
  }
}
