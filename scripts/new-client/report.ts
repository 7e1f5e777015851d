import type { NewClient } from './names.ts';

/**
 * The command that rewrites one client's snapshots, as the README gives it too. The file comes
 * before `-u`: vitest's `-u` takes a value, and would take the file for it and run every file.
 */
export const snapshotUpdateCommand = (client: string) => `npx vitest run test/bffs/snapshots.test.ts -t '${client} ' -u`;

/** What to do after the scaffold: the three files that make the client its own. */
export function nextSteps({ name, port }: NewClient): string {
  const edits: [string, string][] = [
    [`schemas/${name}.graphql`, `what the ${name} app shows, and nothing else`],
    [`bffs/${name}/resolvers/…`, 'one file per field (then resolvers/index.ts and dependencies.ts)'],
    [`bffs/${name}/mappers/…`, `downstream types → ${name}'s own, with bffs/kit/presentation/`],
  ];
  const width = Math.max(...edits.map(([path]) => path.length)) + 2;
  return [
    '',
    `${name} is served by \`npm start\` on http://127.0.0.1:${port}/graphql; \`npm run typecheck\` and \`npm test\` pass.`,
    `Commit bffs/${name}/ (generated/ and releases/1.0.0/ included), schemas/${name}.graphql and the files edited above.`,
    '',
    'Now edit these three files:',
    ...edits.map(([path, what]) => `  ${path.padEnd(width)}${what}`),
    `and make ${name}'s forbidden concepts its own (test/policy/forbidden-concepts.ts, and its EXAMPLES in schema-policy.test.ts).`,
    `After a change of the SDL or the operations: npm run codegen; once the answer is right,`,
    `${snapshotUpdateCommand(name)} rewrites ${name}'s snapshots.`,
  ].join('\n');
}
