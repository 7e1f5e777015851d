import { relative } from 'node:path';
import { writePacts } from './consumer.ts';
import { PACTS_DIR } from './files.ts';

/** `npm run pact:consumer`: rewrites pacts/ from what the BFFs send and read today (consumer.ts). */
const specs = await writePacts();
const pairs = new Set(specs.map((spec) => `${spec.consumer}-${spec.provider}`));
console.log(`${specs.length} interactions in ${pairs.size} pact files under ${relative(process.cwd(), PACTS_DIR)}/`);
