import type { OperationPreparer } from '../../server/operations.ts';
import { Refusal, type Stage } from '../pipeline.ts';

/**
 * The document, parsed, held to the client's operation limits, validated and compiled: once per
 * document (operations.ts caches the verdict), so a trusted document costs a lookup here.
 * A document that breaks a limit or does not validate is refused before any service is called.
 */
export function documentStage(operations: OperationPreparer): Stage {
  return (passage) => {
    const text = passage.text!;
    const prepared = passage.trusted ? operations.trusted(text, passage.operationName) : operations.prepare(text, passage.operationName);
    if (!prepared.ready) throw new Refusal(prepared.errors);
    passage.operation = prepared;
  };
}
