import type { NewClient } from './names.ts';
import { dependenciesTemplate } from './templates/dependencies.ts';
import { profileMapperTemplate, rowItemMapperTemplate } from './templates/mappers.ts';
import { modelsTemplate } from './templates/models.ts';
import { needsTemplate } from './templates/needs.ts';
import { homeOperationTemplate } from './templates/operation.ts';
import { policyTemplate } from './templates/policy.ts';
import { homeProfileTemplate, homeRowTemplate, queryHomeTemplate, resolversIndexTemplate } from './templates/resolvers.ts';
import { schemaTemplate } from './templates/schema.ts';
import { bffTemplate, mainTemplate, sdkIndexTemplate } from './templates/server.ts';

/** Every file a new client starts with (README: Adding a client BFF), path → text. Codegen writes the rest. */
export function clientFiles(client: NewClient): Map<string, string> {
  const dir = `bffs/${client.name}`;
  return new Map([
    [`schemas/${client.name}.graphql`, schemaTemplate(client)],
    [`${dir}/operations/${client.pascal}Home.graphql`, homeOperationTemplate(client)],
    [`${dir}/needs.ts`, needsTemplate(client)],
    [`${dir}/policy.ts`, policyTemplate(client)],
    [`${dir}/dependencies.ts`, dependenciesTemplate(client)],
    [`${dir}/models.ts`, modelsTemplate()],
    [`${dir}/mappers/profile.ts`, profileMapperTemplate(client)],
    [`${dir}/mappers/row-item.ts`, rowItemMapperTemplate(client)],
    [`${dir}/resolvers/Query/home.ts`, queryHomeTemplate()],
    [`${dir}/resolvers/Home/profile.ts`, homeProfileTemplate()],
    [`${dir}/resolvers/Home/row.ts`, homeRowTemplate(client)],
    [`${dir}/resolvers/index.ts`, resolversIndexTemplate()],
    [`${dir}/bff.ts`, bffTemplate(client)],
    [`${dir}/main.ts`, mainTemplate(client)],
    [`${dir}/sdk/index.ts`, sdkIndexTemplate(client)],
  ]);
}
