/** The tv app's typed SDK: generated documents plus the kit's typed request function. */
export * from './sdk.generated.ts';
export { createClient, type ClientOptions, type GraphQLResponse } from '../../kit/sdk/request.ts';
