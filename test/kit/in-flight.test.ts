import { describe, expect, test } from 'vitest';
import { concierge } from '../../bffs/kit/errors.ts';
import { InFlightCounts } from '../../bffs/kit/perimeter/in-flight.ts';
import { createPerimeter, type Stage } from '../../bffs/kit/perimeter/pipeline.ts';
import { inFlightStage } from '../../bffs/kit/perimeter/stages/in-flight.ts';

const request = { method: 'POST', headers: new Headers(), peer: '127.0.0.1', params: {} };
const byPeer = inFlightStage('ip', new InFlightCounts(1), (passage) => passage.request.peer);
/** What the later stages establish, so the perimeter admits. */
const admitting: Stage = (passage) => {
  Object.assign(passage, { operation: {}, viewer: { id: 'u_1', token: 't' }, clientVersion: {} });
};

describe('in-flight slots through the perimeter', () => {
  test('a slot is held from its stage until the admitted request is released, and only once given back', async () => {
    const counts = new InFlightCounts(2);
    const admit = createPerimeter([inFlightStage('viewer', counts, () => 'u_1'), admitting]);
    const first = (await admit(request)).admitted!;
    const second = (await admit(request)).admitted!;
    const third = await admit(request);
    expect(third.refused?.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit: 'viewer', max: 2, http: { status: 429, headers: { 'retry-after': '1' } } });
    first.release();
    first.release(); // a second release gives nothing back twice
    expect(counts.of('u_1')).toBe(1);
    expect((await admit(request)).admitted).toBeDefined();
    second.release();
    expect(counts.of('u_1')).toBe(1);
  });

  test('a request refused by a later stage gives back the slots it took', async () => {
    const counts = new InFlightCounts(1);
    const overBudget: Stage = () => {
      throw concierge('RATE_LIMITED', 'spent', { budget: 'viewer' }, { headers: { 'retry-after': '60' } });
    };
    const admit = createPerimeter([byPeer, inFlightStage('viewer', counts, () => 'u_1'), overBudget]);
    expect((await admit(request)).refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(counts.of('u_1')).toBe(0);
    // The address's slot came back too: with a cap of 1, the next request passes it.
    expect((await admit(request)).refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
