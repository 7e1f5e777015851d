import { describe, expect, test } from 'vitest';
import { concierge } from '../../bffs/kit/errors.ts';
import { InFlightCounts } from '../../bffs/kit/perimeter/in-flight.ts';
import { createPerimeter, type PerimeterRequest, type ScreenStage, type Stage } from '../../bffs/kit/perimeter/pipeline.ts';
import { inFlightStage } from '../../bffs/kit/perimeter/stages/in-flight.ts';

const request = (): PerimeterRequest => ({ method: 'POST', headers: new Headers(), peer: '127.0.0.1', params: {} });
const byPeer = inFlightStage('ip', new InFlightCounts(1), (passage) => passage.request.peer);
/** What the later stages establish, so the perimeter admits. */
const admitting: Stage = (passage) => {
  Object.assign(passage, { operation: {}, viewer: { id: 'u_1', token: 't' }, clientVersion: {} });
};

/** The perimeter as the lifecycle runs it: screening, then (the parameters read) the other stages. */
function perimeterOf(stages: readonly Stage[], screening: readonly ScreenStage[] = []) {
  const perimeter = createPerimeter(stages, screening);
  return async (request: PerimeterRequest) => {
    const screened = perimeter.screen(request);
    return screened.refused ? { refused: screened.refused, admitted: undefined } : perimeter.admit(screened.passage);
  };
}

describe('in-flight slots through the perimeter', () => {
  test('a slot is held from its stage until the admitted request is released, and only once given back', async () => {
    const counts = new InFlightCounts(2);
    const admit = perimeterOf([inFlightStage('viewer', counts, () => 'u_1'), admitting]);
    const first = (await admit(request())).admitted!;
    const second = (await admit(request())).admitted!;
    const third = await admit(request());
    expect(third.refused?.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit: 'viewer', max: 2, http: { status: 429, headers: { 'retry-after': '1' } } });
    first.release();
    first.release(); // a second release gives nothing back twice
    expect(counts.of('u_1')).toBe(1);
    expect((await admit(request())).admitted).toBeDefined();
    second.release();
    expect(counts.of('u_1')).toBe(1);
  });

  test('a request refused by a later stage gives back the slots it took', async () => {
    const counts = new InFlightCounts(1);
    const overBudget: Stage = () => {
      throw concierge('RATE_LIMITED', 'spent', { budget: 'viewer' }, { headers: { 'retry-after': '60' } });
    };
    const admit = perimeterOf([byPeer, inFlightStage('viewer', counts, () => 'u_1'), overBudget]);
    expect((await admit(request())).refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(counts.of('u_1')).toBe(0);
    // The address's slot came back too: with a cap of 1, the next request passes it.
    expect((await admit(request())).refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  test('a slot taken in screening is held once: the same stage later, for the same key, takes no second one', async () => {
    const counts = new InFlightCounts(2);
    const admit = perimeterOf([inFlightStage('viewer', counts, () => 'u_1'), admitting], [inFlightStage('viewer', counts, () => 'u_1')]);
    const first = (await admit(request())).admitted!;
    expect(counts.of('u_1')).toBe(1);
    const second = (await admit(request())).admitted!;
    expect(counts.of('u_1')).toBe(2);
    first.release();
    second.release();
    expect(counts.of('u_1')).toBe(0);
  });

  test('a request the screening refuses runs no later stage, and its parameters are never looked at', async () => {
    const counts = new InFlightCounts(1);
    const later: string[] = [];
    const recording: Stage = (passage) => void later.push(JSON.stringify(passage.request.params));
    const admit = perimeterOf([recording, admitting], [inFlightStage('ip', counts, (passage) => passage.request.peer)]);
    const held = (await admit(request())).admitted!;
    expect(later).toHaveLength(1);
    const refused = await admit(request());
    expect(refused.refused?.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit: 'ip', max: 1 });
    expect(later).toHaveLength(1);
    held.release();
    expect((await admit(request())).admitted).toBeDefined();
  });
});
