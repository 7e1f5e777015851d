import type { NewClient } from '../names.ts';
import { MAPPED_TYPES } from './models.ts';

/** The client's line in bffs/clients.ts. */
export const registryLineTemplate = ({ name, port }: NewClient) =>
  `  { name: '${name}', port: ${port}, mappers: [${MAPPED_TYPES.map((type) => `'${type}'`).join(', ')}] },\n`;

/**
 * Its entry in FORBIDDEN (test/policy/forbidden-concepts.ts): explicit, a starting list that the
 * team must make the client's own.
 */
export const forbiddenEntryTemplate = ({ name }: NewClient) => `  // ${name}: a starting list written by \`npm run new-client\`. Edit it to what product.md says
  // ${name} must never show, and keep ${name}'s EXAMPLES in schema-policy.test.ts in step.
  ${name}: [BILLING, EMAIL, BILLING_ADDRESS, REVIEWS, DRM_LICENCE_URLS],
`;

/** One name each of those rules must catch (EXAMPLES in test/policy/schema-policy.test.ts). */
export const forbiddenExamplesTemplate = ({ name }: NewClient) => `    // ${name}: one name per concept of its FORBIDDEN entry (test/policy/forbidden-concepts.ts).
    ${name}: {
      'billing or payment methods': 'billing',
      email: 'email',
      'billing address': 'postalCode',
      reviews: 'averageRating',
      'DRM licence URLs': 'drmLicenseUrl',
    },
`;
