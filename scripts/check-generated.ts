/**
 * After `graphql-codegen` has run: fails when any generated file differs from the committed
 * one, or exists and was never committed. CI runs it through `npm run codegen:check`.
 */
import { execFileSync } from 'node:child_process';

const GENERATED = ['*.generated.ts', '*.generated.json'];
const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...GENERATED], { encoding: 'utf8' });
if (changed.trim() !== '') {
  console.error('Generated code is stale. Run `npm run codegen` and commit:\n' + changed);
  process.exit(1);
}
console.log('Generated code matches codegen.ts.');
