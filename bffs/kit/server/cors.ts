import type { CORSOptions } from 'graphql-yoga';

/**
 * CORS for every BFF, on both paths (yoga's plugin and the fast lane): yoga's default, which
 * answers any origin. The BFFs authenticate with a bearer token, never a cookie, so a page on
 * another origin gains nothing a script could not already do with the token.
 */
export const CORS_OPTIONS: CORSOptions = {};
