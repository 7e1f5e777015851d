import type { components } from '../types/billing.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type BillingAccount = components['schemas']['BillingAccount'];

export const billingClient = (http: DownstreamHttp) => ({
  forUser: (call: CallContext, userId: string) => http.json<BillingAccount>(call, { route: '/billing/:userId', params: { userId } }),
});

export type BillingClient = ReturnType<typeof billingClient>;
