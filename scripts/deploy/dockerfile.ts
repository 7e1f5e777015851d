/** Reads a Dockerfile into its stages and instructions: enough to check what the image runs (image-rules.ts). */
export interface Instruction {
  keyword: string;
  value: string;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', value = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(value) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length) {
      stages.at(-1)!.instructions.push({ keyword: upper, value });
    }
  }
  return stages;
}

/** An instruction's exec form (`["a", "b"]`), or undefined for the shell form. */
export function execForm(value: string): string[] | undefined {
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The repository paths the stage's COPY instructions put in the image, relative to its WORKDIR. */
export function copiedPaths(stage: Stage): string[] {
  const workdir = stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.value ?? '/';
  const relative = (path: string) => path.replace(/^\.\//, '').replace(new RegExp(`^${workdir.replace(/\/$/, '')}/`), '').replace(/\/$/, '');
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .flatMap((i) => {
      const parts = i.value.split(/\s+/).filter((part) => !part.startsWith('--'));
      const destination = parts.pop()!;
      if (parts.length > 1 || destination.endsWith('/') || destination === '.') {
        return parts.map((source) => [relative(destination), source.split('/').pop()!].filter(Boolean).join('/'));
      }
      return [relative(destination)];
    });
}
