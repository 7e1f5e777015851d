import type { Reporter, TestModule } from 'vitest/node';

/**
 * The GraphiQL tests need Debian's Chromium and skip without it on a developer's machine (CI
 * fails instead). "3 skipped" in the summary is easy to miss, so this reporter ends the run with
 * a line that says what was not tested and how to fix it. Runs after the default reporter.
 */
export default class BrowserSkipsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let skipped = 0;
    for (const module of testModules) {
      if (!module.moduleId.includes('/test/browser/')) continue;
      for (const test of module.children.allTests()) if (test.result().state === 'skipped') skipped += 1;
    }
    if (skipped === 0) return;
    const line = '!'.repeat(100);
    console.log(`\n${line}\n!! ${skipped} browser tests were SKIPPED: /usr/bin/chromium is missing, so GraphiQL was not tested.\n!! Install it with \`sudo apt-get install -y chromium\` (Debian's package; no downloaded browser) and run npm test again.\n${line}\n`);
  }
}
