/**
 * Inserts `lines` just before the line that closes the declaration starting with `opener`: the
 * first later line that starts with `closer` at the opener's own indentation. Throws, with what
 * to add by hand, when the file is not shaped as expected.
 */
export function insertBeforeClose(text: string, { file, opener, closer, lines }: { file: string; opener: string; closer: string; lines: string }): string {
  const all = text.split('\n');
  const start = all.findIndex((line) => line.trimStart().startsWith(opener));
  const indent = start >= 0 ? /^\s*/.exec(all[start]!)![0] : '';
  const end = start < 0 ? -1 : all.findIndex((line, i) => i > start && line.startsWith(indent + closer));
  if (end < 0) {
    throw new Error(`${file}: found no \`${opener}\` closed by \`${closer}\` at its indentation. Add this to it by hand:\n${lines}`);
  }
  all.splice(end, 0, ...lines.replace(/\n$/, '').split('\n'));
  return all.join('\n');
}
