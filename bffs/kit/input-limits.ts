/**
 * Bounds on what a client may send, in one place: the code that enforces each one reads it here,
 * and so does the error catalog that tells clients about it (errors.ts, the README's table).
 */

/** How deep `variables` and `extensions` may nest, the map itself being level 1 (perimeter/stages/params.ts). */
export const MAX_PARAMETER_DEPTH = 16;

/** The longest id that may go into a downstream path (downstream/path.ts). */
export const MAX_ID_LENGTH = 64;

/** The longest `after` cursor accepted, in characters (presentation/connection.ts). */
export const MAX_CURSOR_LENGTH = 256;
