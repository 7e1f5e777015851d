import type { components } from '../types/billing.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type BillingAccount = components['schemas']['BillingAccount'];

export const billingClient = (http: DownstreamHttp) => ({
  forUser: (call: CallContext, userId: string) => http.json<BillingAccount>(call, { path: `/billing/${encodeURIComponent(userId)}`, route: '/billing/:userId' }),
});

export type BillingClient = ReturnType<typeof billingClient>;
