/**
 * `npm run locales:check` (CI runs it after codegen:check): the message catalogs
 * (bffs/kit/locale/messages/<locale>.json) hold every key of en-US's in every shipped locale,
 * each a valid ICU MessageFormat message, naming the same placeholders as en-US's.
 */
import { catalogProblems, readCatalogs } from '../../bffs/kit/locale/catalogs.ts';

const catalogs = readCatalogs();
const problems = catalogProblems(catalogs);
if (problems.length === 0) {
  console.log(`✔ ${catalogs.size} catalogs (${[...catalogs.keys()].join(', ')}): every key, valid ICU syntax, the same placeholders`);
} else {
  for (const problem of problems) console.error(`  error ${problem}`);
  console.error(`\nx ${problems.length} problem(s) in bffs/kit/locale/messages/: fix each catalog (README: Locales)`);
  process.exit(1);
}
