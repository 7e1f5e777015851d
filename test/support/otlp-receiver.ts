import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it (ids in hex). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, string | number | boolean>;
  status?: { code?: number; message?: string };
}

interface AnyValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
interface KeyValue { key: string; value: AnyValue }

/**
 * A real OTLP/HTTP receiver (`POST /v1/traces`, JSON, as @opentelemetry/exporter-trace-otlp-http
 * sends it), for the tests to read what a BFF exported, the way a collector would receive it.
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.includes('json')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'service'> & { attributes?: KeyValue[] })[] }[] }[];
    };
    for (const { resource, scopeSpans } of body.resourceSpans) {
      const service = String(valueOf(resource.attributes.find((a) => a.key === 'service.name')?.value ?? {}));
      for (const { spans: exported } of scopeSpans) {
        for (const span of exported) spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, service, attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)])) });
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    /** Waits until `predicate` holds of what was received (the exporter sends in batches). */
    async until(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 5_000): Promise<ReceivedSpan[]> {
      const end = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > end) throw new Error(`the receiver did not get the expected spans in ${timeoutMs} ms; got ${spans.length}: ${spans.map((s) => s.name).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return spans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function valueOf(value: AnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? '';
}
