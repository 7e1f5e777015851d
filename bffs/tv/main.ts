import { configFromEnv, serve } from '../kit/index.ts';
import { TV_PORT, createTvBff } from './bff.ts';

const config = configFromEnv(process.env, TV_PORT);
await serve(createTvBff(config), config);
console.log(`tv BFF on http://127.0.0.1:${config.port}/graphql`);
