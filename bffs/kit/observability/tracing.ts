import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { RequestHeaders } from '../core/headers.ts';

/**
 * OpenTelemetry for one BFF, configured only by the standard `OTEL_*` variables: on when an
 * exporter is set (`OTEL_TRACES_EXPORTER=otlp|console`, or an `OTEL_EXPORTER_OTLP_*ENDPOINT`),
 * off otherwise, and then nothing here runs at all. The SDK itself reads the sampler
 * (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`; parent-based always-on by default), the
 * exporter's endpoint and headers, and `OTEL_SERVICE_NAME`/`OTEL_RESOURCE_ATTRIBUTES`.
 *
 * Spans are started with explicit parents (the request's span is handed down on the request's
 * observation), not through a global context manager: the fast lane and graphql-jit never enter
 * an instrumented library, and an AsyncLocalStorage on every await would cost every request.
 */
export interface Tracing {
  /** The request's server span, a child of the caller's `traceparent` when it sent one. */
  startRequest(method: string, path: string, headers: RequestHeaders, requestId: string): Span;
  /**
   * A downstream call's client span under the request's, and the headers that carry it. A
   * request that is not sampled gets no child spans: its own context, unsampled, is what the
   * services are sent, as the SDK would send for a non-recording span, at the cost of one string.
   */
  startCall(parent: Span, name: string, attributes: Record<string, string>): { span: Span | undefined; headers: Record<string, string> };
  /** Sends what is buffered and stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<RequestHeaders> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: () => ['traceparent', 'tracestate'],
};

export function tracingFromEnv(client: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const exporter = exporterOf(env);
  if (!exporter) return undefined;
  const resource = resourceFromAttributes({ 'service.name': `concierge-bff-${client}`, 'service.namespace': 'concierge' }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer: Tracer = provider.getTracer('concierge-bff');
  return {
    startRequest(method, path, headers, requestId) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
      const attributes = { 'http.request.method': method, 'url.path': path, 'concierge.request_id': requestId };
      return tracer.startSpan(`${method} ${path}`, { kind: SpanKind.SERVER, attributes }, parent);
    },
    startCall(parent, name, attributes) {
      if (!parent.isRecording()) return { span: undefined, headers: unsampledHeaders(parent) };
      const context: Context = trace.setSpan(ROOT_CONTEXT, parent);
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, context);
      const headers: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, { set: (carrier, key, value) => ((carrier as Record<string, string>)[key] = value) });
      return { span, headers };
    },
    shutdown: () => provider.shutdown(),
  };
}

const unsampled = new WeakMap<Span, Record<string, string>>();

/** The request's own context for every call it makes, made once per request. */
function unsampledHeaders(span: Span): Record<string, string> {
  let headers = unsampled.get(span);
  if (!headers) {
    const { traceId, spanId, traceFlags, traceState } = span.spanContext();
    headers = { traceparent: `00-${traceId}-${spanId}-0${traceFlags & 1}` };
    const state = traceState?.serialize();
    if (state) headers.tracestate = state;
    unsampled.set(span, headers);
  }
  return headers;
}

function exporterOf(env: NodeJS.ProcessEnv): SpanExporter | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const named = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim();
  if (named === 'console') return new ConsoleSpanExporter();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (named === 'otlp' || (named === undefined && endpoint)) return new OTLPTraceExporter();
  if (named !== undefined && named !== 'none' && named !== '') throw new Error(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${env.OTEL_TRACES_EXPORTER}"`);
  return undefined;
}

/** The caller's trace id from `traceparent`, for log lines when tracing is off. */
export function traceIdOf(traceparent: string | null): string | undefined {
  if (traceparent === null) return undefined;
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent.trim());
  return match && match[1] !== '0'.repeat(32) ? match[1] : undefined;
}

export function endSpan(span: Span, status: number, error: string | undefined): void {
  span.setAttribute('http.response.status_code', status);
  if (error) {
    span.setAttribute('error.type', error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  }
  span.end();
}
