import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedGrpcCall {
  path: string;
  /** The call's HTTP/2 request headers: its metadata, `grpc-timeout` and `content-type` among them. */
  headers: http2.IncomingHttpHeaders;
}

/**
 * A real HTTP/2 (h2c) hop in front of the gRPC search mock that records what the BFF sends (its
 * path and headers, where gRPC puts the deadline and the metadata) and passes each call on, the
 * answer's headers, messages and trailers (the gRPC status) back unchanged: what
 * test/support/recorder.ts is for the REST mocks.
 */
export async function startGrpcRecorder(upstream: string) {
  const seen: RecordedGrpcCall[] = [];
  const session = http2.connect(upstream);
  session.on('error', () => {});
  const server = http2.createServer();
  server.on('stream', (stream, requestHeaders) => {
    const path = String(requestHeaders[':path']);
    seen.push({ path, headers: requestHeaders });
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(requestHeaders)) if (!name.startsWith(':')) forwarded[name] = value;
    const upstreamCall = session.request({ ...forwarded, ':method': 'POST', ':path': path });
    stream.pipe(upstreamCall);
    let trailers: http2.OutgoingHttpHeaders = {};
    upstreamCall.on('trailers', (received) => (trailers = received));
    upstreamCall.on('response', (headers) => {
      const { ':status': status = 200, ...rest } = headers;
      stream.respond({ ':status': status, ...rest }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      upstreamCall.pipe(stream);
    });
    upstreamCall.on('error', () => stream.destroy());
    stream.on('error', () => upstreamCall.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        session.close();
        server.close(() => resolve());
      }),
  };
}
