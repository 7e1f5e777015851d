import { configFromEnv, serve } from '../kit/index.ts';
import { MOBILE_PORT, createMobileBff } from './bff.ts';

const config = configFromEnv(process.env, MOBILE_PORT);
await serve(createMobileBff(config), config);
console.log(`mobile BFF on http://127.0.0.1:${config.port}/graphql`);
