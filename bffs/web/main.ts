import { configFromEnv, serve } from '../kit/index.ts';
import { WEB_PORT, createWebBff } from './bff.ts';

const config = configFromEnv(process.env, WEB_PORT);
await serve(createWebBff(config), config);
console.log(`web BFF on http://127.0.0.1:${config.port}/graphql`);
