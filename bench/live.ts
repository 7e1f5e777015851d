/**
 * `npm run bench:live`: the live-updates scenario alone (bench/harness/live-scenario.ts says what
 * it measures; \`npm run bench\` runs it too and writes it to bench/RESULTS.md). Prints its
 * section of RESULTS.md, then the figures as JSON.
 */
import { pinSelf } from './harness/processes.ts';
import { liveMarkdown, liveScenario } from './harness/live-scenario.ts';

const report = await liveScenario(pinSelf());
console.log(`\n${liveMarkdown(report)}`);
console.log(JSON.stringify(report, null, 2));
