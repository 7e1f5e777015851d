import { Writable } from 'node:stream';
import type { IResolvers } from '@graphql-tools/utils';
import { pino, type Level } from 'pino';
import type { BffConfig } from '../../bffs/kit/config.ts';
import { createBff, type Bff } from '../../bffs/kit/server/create-bff.ts';
import { MOBILE_CACHING, MOBILE_PERIMETER, MOBILE_POLICY } from '../../bffs/mobile/policy.ts';
import { MOBILE_NEEDS } from '../../bffs/mobile/needs.ts';
import { testConfig } from './bffs.ts';
import type { TestMocks } from './mocks.ts';

/** A pino destination that keeps every line, parsed, for a test to read what was logged. */
export function logSink<T = Record<string, unknown>>(): { stream: Writable; logged: T[] } {
  const logged: T[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as T);
      done();
    },
  });
  return { stream, logged };
}

export interface BareBffOptions {
  mocks: TestMocks;
  /** A schema of the test's own, answered by `resolvers`: mobile's perimeter, policy and caching around it. */
  typeDefs: string;
  resolvers: IResolvers;
  config?: Partial<BffConfig>;
  /** @default 'error' */
  logLevel?: Level;
}

/**
 * A BFF around a schema the test writes (a resolver that throws, one that returns the wrong
 * type), with no trusted documents and no releases: the kit's behaviour alone, its log lines kept.
 */
export function bareMobileBff<T = Record<string, unknown>>({ mocks, typeDefs, resolvers, config = {}, logLevel = 'error' }: BareBffOptions): { bff: Bff; logged: T[] } {
  const { stream, logged } = logSink<T>();
  const bff = createBff({
    client: 'mobile',
    typeDefs,
    resolvers,
    config: testConfig(mocks.urls, config),
    policy: MOBILE_POLICY,
    perimeter: MOBILE_PERIMETER,
    caching: MOBILE_CACHING,
    documents: { manifest: new Map(), releases: [], versions: { required: false, supported: { minimum: '1.0.0' } } },
    dependencies: {},
    needs: MOBILE_NEEDS,
    defaultQuery: '{ fine }',
    logger: pino({ level: logLevel }, stream),
  });
  return { bff, logged };
}
