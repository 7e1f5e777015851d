import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { CLIENTS, FORBIDDEN, nameAsWords, type Client, type ForbiddenConcept } from './forbidden-concepts.ts';

/** One named thing in a schema, at its schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `@directive`). */
interface SchemaElement {
  coordinate: string;
  name: string;
  kind: 'type' | 'field' | 'argument' | 'enum value' | 'input field' | 'directive';
  description: string | null | undefined;
}

interface Violation {
  client: Client;
  concept: string;
  coordinate: string;
  reason: string;
}

/** Every type, field, argument, enum value, input field and custom directive the schema declares. */
function elementsOf(schema: GraphQLSchema): SchemaElement[] {
  const elements: SchemaElement[] = [];
  const add = (coordinate: string, name: string, kind: SchemaElement['kind'], description?: string | null) =>
    elements.push({ coordinate, name, kind, description });

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    add(type.name, type.name, 'type', type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        add(`${type.name}.${field.name}`, field.name, 'field', field.description);
        for (const arg of field.args) add(`${type.name}.${field.name}(${arg.name}:)`, arg.name, 'argument', arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) add(`${type.name}.${field.name}`, field.name, 'input field', field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) add(`${type.name}.${value.name}`, value.name, 'enum value', value.description);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    add(`@${directive.name}`, directive.name, 'directive', directive.description);
    for (const arg of directive.args) add(`@${directive.name}(${arg.name}:)`, arg.name, 'argument', arg.description);
  }
  return elements;
}

/** What in `sdl` expresses a concept the client must never have. */
function findViolations(client: Client, sdl: string, rules: ForbiddenConcept[] = FORBIDDEN[client]): Violation[] {
  const violations: Violation[] = [];
  for (const element of elementsOf(buildSchema(sdl))) {
    const words = nameAsWords(element.name);
    for (const rule of rules) {
      const pattern = rule.names.find((p) => p.test(words));
      if (pattern) {
        violations.push({
          client,
          concept: rule.concept,
          coordinate: element.coordinate,
          reason: `${element.kind} "${element.name}" (read as "${words}") matches ${pattern}`,
        });
      }
      const described = rule.describedAs;
      if (described && element.kind === 'field' && described.field.test(words) && !described.description.test(element.description ?? '')) {
        violations.push({
          client,
          concept: rule.concept,
          coordinate: element.coordinate,
          reason: `${described.explain}; its description is ${JSON.stringify(element.description ?? null)}`,
        });
      }
    }
  }
  return violations;
}

const format = (v: Violation) => `${v.client} schema, ${v.coordinate}: must never express "${v.concept}": ${v.reason}`;

const schemaOf = (client: Client) => readFileSync(new URL(`../../schemas/${client}.graphql`, import.meta.url), 'utf8');

describe("each client's schema leaves out every concept product.md forbids for it", () => {
  for (const client of CLIENTS) {
    it(`the ${client} schema expresses none of: ${FORBIDDEN[client].map((rule) => rule.concept).join(', ')}`, () => {
      expect(findViolations(client, schemaOf(client)).map(format)).toEqual([]);
    });

    it(`the walk of the ${client} schema reaches its types, fields, arguments and enum values`, () => {
      const walked = elementsOf(buildSchema(schemaOf(client)));
      const kinds = new Set(walked.map((element) => element.kind));
      for (const kind of ['type', 'field', 'argument', 'enum value'] as const) expect(kinds, kind).toContain(kind);
      // Every client has a home and declares @since; field arguments' coordinates are proven above all the same ("wherever it appears").
      expect(walked.map((element) => element.coordinate)).toEqual(expect.arrayContaining(['Query', 'Query.home', '@since(version:)']));
    });
  }
});

describe('the policy checker catches what it is meant to catch', () => {
  it('reports an email field on mobile, naming the client, the concept and the coordinate', () => {
    const violations = findViolations('mobile', 'type Query { me: Me } type Me { name: String email: String }');
    expect(violations).toEqual([expect.objectContaining({ client: 'mobile', concept: 'email', coordinate: 'Me.email' })]);
    expect(format(violations[0]!)).toMatch(/^mobile schema, Me\.email: must never express "email"/);
  });

  it('reports a forbidden name wherever it appears: type, field, argument, enum value, input field, directive', () => {
    const sdl = `
      directive @licenseHint(drmSystem: String) on FIELD_DEFINITION
      type Query { play(drmSystem: String, input: PlayInput): Play }
      type Play { drmLicenseUrl: String system: Drm }
      type DrmInfo { ok: Boolean }
      enum Drm { WIDEVINE CLEAR }
      input PlayInput { licenseServer: String }
    `;
    const coordinates = findViolations('web', sdl)
      .filter((v) => v.concept === 'DRM licence URLs')
      .map((v) => v.coordinate);
    expect(coordinates).toEqual(
      expect.arrayContaining([
        'Query.play(drmSystem:)',
        'Play.drmLicenseUrl',
        'DrmInfo',
        'Drm',
        'Drm.WIDEVINE',
        'PlayInput.licenseServer',
        '@licenseHint',
        '@licenseHint(drmSystem:)',
      ]),
    );
    expect(coordinates).not.toContain('Drm.CLEAR');
  });

  it('requires a mobile synopsis field to be described as cut to 120 characters, and forbids naming the full one', () => {
    const bare = findViolations('mobile', 'type Query { t: T } type T { synopsis: String }');
    expect(bare).toEqual([expect.objectContaining({ concept: 'the full synopsis', coordinate: 'T.synopsis' })]);

    const described = findViolations('mobile', 'type Query { t: T } type T { "At most 120 characters." synopsis: String }');
    expect(described).toEqual([]);

    const full = findViolations('mobile', 'type Query { t: T } type T { "At most 120 characters." fullSynopsis: String }');
    expect(full.map((v) => v.coordinate)).toEqual(['T.fullSynopsis']);
  });

  it('leaves legitimate neighbours alone', () => {
    const cases: [Client, string][] = [
      ['mobile', 'type Query { t: T } type T { maturityRating: String broadcastTime: String forecast: String shouldRefreshPushToken: Boolean }'],
      ['tv', 'type Query { t: T } type T { heroImage: String drmLicenseUrl: String crew: [String] maturityBadge: String }'],
      ['web', 'type Query { t: T } type T { cast: [String] reviews: [String] email: String push: Boolean devices: [String] heroImage: String }'],
    ];
    for (const [client, sdl] of cases) expect(findViolations(client, sdl).map(format), client).toEqual([]);
  });

  /** One name each rule must catch. A rule added or dropped without updating this table fails here. */
  const EXAMPLES: Record<Client, Record<string, string>> = {
    mobile: {
      'cast or crew': 'castMembers',
      reviews: 'averageRating',
      'billing or payment methods': 'paymentMethods',
      email: 'email',
      'billing address': 'billingAddress',
      'the hero image': 'heroImage',
      'DRM licence URLs': 'drmLicenseUrl',
      'the full synopsis': 'fullSynopsis',
    },
    tv: {
      'billing or payment methods': 'billing',
      email: 'emailAddress',
      'billing address': 'postalCode',
      reviews: 'reviews',
      'the cast list': 'cast',
      'notification preferences': 'notificationPreferences',
    },
    web: {
      'DRM licence URLs': 'licenseUrl',
      'device capability configuration': 'deviceCapabilities',
      'push-token signals': 'shouldRefreshPushToken',
    },
  };

  for (const client of CLIENTS) {
    it(`has exactly the concepts product.md lists for ${client}, and each rule catches its example`, () => {
      expect(FORBIDDEN[client].map((rule) => rule.concept).sort()).toEqual(Object.keys(EXAMPLES[client]).sort());
      for (const [concept, name] of Object.entries(EXAMPLES[client])) {
        const caught = findViolations(client, `type Query { ${name}: String }`).filter((v) => v.concept === concept);
        expect([...new Set(caught.map((v) => v.coordinate))], `${client}: "${concept}" should catch ${name}`).toEqual([`Query.${name}`]);
      }
    });
  }

  it('spells names as words the same way whatever their case', () => {
    expect(nameAsWords('drmLicenseUrl')).toBe('drm license url');
    expect(nameAsWords('DRMLicenseURL')).toBe('drm license url');
    expect(nameAsWords('billing_address')).toBe('billing address');
    expect(nameAsWords('PLAYREADY')).toBe('playready');
    expect(nameAsWords('CastMember')).toBe('cast member');
  });
});
