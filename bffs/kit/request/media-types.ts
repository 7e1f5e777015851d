/** The two media types of a single (non-streamed) GraphQL result. */
export type RegularMediaType = 'application/graphql-response+json' | 'application/json';

const REGULAR: readonly RegularMediaType[] = ['application/graphql-response+json', 'application/json'];

/**
 * The media type yoga answers a single result with, for this `Accept` header, or undefined when
 * yoga would pick none of the two (then the request is left to yoga, which answers 406).
 *
 * yoga's rule (plugins/use-result-processor.js, result-processor/accept.js), restated because yoga
 * does not export it: drop the types whose charset is not utf-8, reverse the list, and the last
 * match over (asked type × [graphql-response+json, json]) wins, with `*` matching anything. For
 * a single result the streaming processors are always overruled by this one when it matches at all.
 */
export function acceptedMediaType(accept: string | undefined): RegularMediaType | undefined {
  // What most clients send, without the parsing below.
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return 'application/json';
  const asked = accept.replace(/\s/g, '').toLowerCase().split(',');
  let chosen: RegularMediaType | undefined;
  for (let i = asked.length - 1; i >= 0; i--) {
    const [mediaType, ...params] = asked[i]!.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (mediaType === undefined || charset !== 'charset=utf-8') continue;
    const [type, subtype] = mediaType.split('/');
    for (const offered of REGULAR) {
      const [offeredType, offeredSubtype] = offered.split('/');
      if ((type === '*' || type === offeredType) && (subtype === '*' || subtype === offeredSubtype)) chosen = offered;
    }
  }
  return chosen;
}
