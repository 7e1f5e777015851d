export { catalogProblems, readCatalogs } from '../../bffs/kit/locale/catalogs.ts';
export { SHIPPED_LOCALES as SHIPPED } from '../../bffs/kit/locale/wing.ts';
import type { TestMocks } from '../support/mocks.ts';

/** The first viewers (u_1…u_200) whose profile language is `language`, read from the real users mock. */
export async function viewersSpeaking(mocks: TestMocks, language: string, count = 1): Promise<string[]> {
  const found: string[] = [];
  for (let n = 1; n <= 200 && found.length < count; n++) {
    const id = `u_${n}`;
    // A token for the users service itself: no service takes a client's token.
    const response = await fetch(`${mocks.urls.users}/users/${id}?fields=profile`, { headers: { authorization: `Bearer ${await mocks.serviceToken(id, { services: ['users'] })}` } });
    if (!response.ok) throw new Error(`users answered ${response.status} for ${id}: ${await response.text()}`);
    const user = (await response.json()) as { profile: { language: string } };
    if (user.profile.language === language) found.push(id);
  }
  if (found.length < count) throw new Error(`fewer than ${count} of u_1…u_200 speak ${language}`);
  return found;
}

/** A home cut to what a snapshot needs to show its localisation: every row's own fields, and its first three items. */
export function trimmed(body: any): any {
  const home = body?.data?.home;
  if (!home?.rows) return body;
  return { ...body, data: { ...body.data, home: { ...home, rows: home.rows.map((row: any) => (row ? { ...row, items: row.items.slice(0, 3) } : row)) } } };
}
