export interface ImageVariant {
  url: string;
  width: number;
  height: number;
}

/**
 * The smallest variant at least `minWidth` wide, or the largest there is: a phone never
 * downloads a 4K hero, and a TV never gets a blurry thumbnail.
 */
export function pickImage(variants: readonly ImageVariant[], minWidth: number): string {
  let fit: ImageVariant | undefined;
  let largest: ImageVariant | undefined;
  for (const variant of variants) {
    if (variant.width >= minWidth && (!fit || variant.width < fit.width)) fit = variant;
    if (!largest || variant.width > largest.width) largest = variant;
  }
  return (fit ?? largest)?.url ?? '';
}
