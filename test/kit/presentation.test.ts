import { describe, expect, test } from 'vitest';
import { pickImage } from '../../bffs/kit/presentation/images.ts';
import { progressPercent, progressSubtitle } from '../../bffs/kit/presentation/progress.ts';
import { truncate } from '../../bffs/kit/presentation/text.ts';
import { createLocalizers } from '../../bffs/kit/locale/localizer.ts';
import { isNewRelease, olderThanDays } from '../../bffs/kit/presentation/time.ts';
import { perRequest } from '../../bffs/kit/presentation/per-request.ts';

describe('presentation helpers', () => {
  test('truncate keeps short text and cuts long text at a word, within the limit, ending in …', () => {
    expect(truncate('Short.', 120)).toBe('Short.');
    const cut = truncate('word '.repeat(60), 120);
    expect(cut.length).toBeLessThanOrEqual(120);
    expect(cut.endsWith('word…')).toBe(true);
  });

  test('pickImage takes the smallest variant wide enough, or the largest there is', () => {
    const variants = [{ url: 'l', width: 1280, height: 720 }, { url: 's', width: 320, height: 180 }, { url: 'm', width: 640, height: 360 }];
    expect(pickImage(variants, 600)).toBe('m');
    expect(pickImage(variants, 4000)).toBe('l');
    expect(pickImage([], 100)).toBe('');
  });

  test('progress is an integer 0..100 whatever the service sends', () => {
    expect(progressPercent(30, 120)).toBe(25);
    expect(progressPercent(500, 120)).toBe(100);
    expect(progressPercent(10, 0)).toBe(0);
    const localizers = createLocalizers(['en-US', 'de-DE', 'ar-EG'], { pseudo: false });
    expect(progressSubtitle({ progressSeconds: 0, totalSeconds: 100, season: 3, episode: 4 }, localizers.get('en-US')!)).toBe('S3 E4');
    expect(progressSubtitle({ progressSeconds: 60, totalSeconds: 780 }, localizers.get('en-US')!)).toBe('12 min left');
    expect(progressSubtitle({ progressSeconds: 60, totalSeconds: 780 }, localizers.get('de-DE')!)).toBe('Noch 12 Min.');
    // Arabic's plural rules: 12 is "many", and its digits are its own.
    expect(progressSubtitle({ progressSeconds: 60, totalSeconds: 780 }, localizers.get('ar-EG')!)).toBe('تبقّت ١٢ دقيقة');
    expect(progressSubtitle({ progressSeconds: 0, totalSeconds: 120 }, localizers.get('ar-EG')!)).toBe('تبقّت دقيقتان');
  });

  test('new means released in the last 90 days, and ages compare to the millisecond', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(isNewRelease('2026-09-01', now)).toBe(true);
    expect(isNewRelease('2026-08-01', now)).toBe(false);
    expect(isNewRelease('2026-12-01', now)).toBe(false);
    expect(olderThanDays('2026-10-22T00:00:00Z', now, 30)).toBe(true);
    expect(olderThanDays('2026-10-22T12:00:01Z', now, 30)).toBe(false);
  });

  test('perRequest computes once per context, separately for each, and leaves nothing a context shows', async () => {
    let computed = 0;
    const lists = perRequest(async (context: { viewer: string }) => ({ viewer: context.viewer, call: ++computed }));
    const first = { viewer: 'u_1' };
    const second = { viewer: 'u_2' };
    const [a, b, c] = await Promise.all([lists(first), lists(first), lists(second)]);
    expect(a).toBe(b);
    expect(a).toEqual({ viewer: 'u_1', call: 1 });
    expect(c).toEqual({ viewer: 'u_2', call: 2 });
    expect(computed).toBe(2);
    // Two memos on one context stay apart.
    const other = perRequest(async (context: { viewer: string }) => `other ${context.viewer}`);
    expect(await other(first)).toBe('other u_1');
    expect(await lists(first)).toBe(a);
    expect(JSON.stringify(first)).toBe('{"viewer":"u_1"}');
    expect(Object.keys(first)).toEqual(['viewer']);
  });
});
