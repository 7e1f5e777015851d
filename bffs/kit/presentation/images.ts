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
  const sorted = [...variants].sort((a, b) => a.width - b.width);
  return (sorted.find((v) => v.width >= minWidth) ?? sorted[sorted.length - 1])?.url ?? '';
}
