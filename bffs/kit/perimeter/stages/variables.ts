import { concierge } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

/**
 * Every variable sent is one the operation declares. graphql-js and graphql-jit would ignore the
 * others, but they would still be carried (into the response cache's key, into logs), so a
 * client could send any amount of them with every request; refusing them also tells the client
 * about a typo in a variable's name, which ignoring would hide behind its default value. The
 * generated SDKs send declared variables only. 400 BAD_USER_INPUT, before anything runs.
 */
export const variablesStage: Stage = (passage) => {
  const { variables } = passage;
  if (variables === undefined) return;
  const declared = passage.operation!.variableNames;
  for (const name in variables) {
    if (!declared.has(name)) {
      throw concierge('BAD_USER_INPUT', `Variable "$${name.slice(0, 50)}" is not declared by the operation.`, {}, { spec: true });
    }
  }
};
