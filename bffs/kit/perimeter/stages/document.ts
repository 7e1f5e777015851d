import { concierge } from '../../errors.ts';
import type { OperationPreparer } from '../../execution/operations.ts';
import { Refusal, type Stage } from '../pipeline.ts';

/**
 * The document, parsed, held to the client's operation limits, validated and compiled: once per
 * document (operations.ts caches the verdict), so a trusted document costs a lookup here.
 * A document that breaks a limit or does not validate is refused before any service is called.
 */
export function documentStage(operations: OperationPreparer): Stage {
  return (passage) => {
    const text = passage.text!;
    if (passage.trusted) {
      // A trusted document holds one operation, compiled at start-up; a name from the request is
      // checked against it, never compiled or cached (a client inventing names costs nothing).
      const prepared = operations.trusted(text, undefined);
      if (!prepared.ready) throw new Refusal(prepared.errors);
      if (passage.operationName !== undefined && passage.operationName !== prepared.name) {
        throw concierge('BAD_REQUEST', `The trusted document is ${prepared.name ?? 'anonymous'}, not ${JSON.stringify(passage.operationName.slice(0, 80))}.`);
      }
      passage.operation = prepared;
      return;
    }
    const prepared = operations.prepare(text, passage.operationName);
    if (!prepared.ready) throw new Refusal(prepared.errors);
    passage.operation = prepared;
  };
}
