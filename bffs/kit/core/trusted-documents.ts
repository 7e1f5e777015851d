/**
 * `only`: documents by id from the client's manifest (production's default); `arbitrary`: raw
 * queries too (development: GraphiQL). Configuration sets it (config.ts), the perimeter's
 * trusted-documents stage applies it.
 */
export type TrustedDocumentsMode = 'only' | 'arbitrary';
