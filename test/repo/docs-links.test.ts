import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, linkedFiles, REPO_ROOT, readDoc } from '../support/markdown.ts';

/** Relative link targets of a Markdown text, outside code fences and inline code. */
function relativeLinks(text: string): string[] {
  let fenced = false;
  const targets: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (!/^[a-z][a-z+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

describe('links between the docs', () => {
  it('lead to files that exist and to headings those files have (README.md, docs/*.md, DEVELOPERS.md, sandbox/README.md)', () => {
    // Prepare
    const files = linkedFiles();

    // Act
    const links = files.flatMap((file) =>
      relativeLinks(readDoc(file)).map((target) => {
        const [path = '', anchor] = target.split('#');
        const resolved = path ? normalize(join(dirname(file), path)) : file;
        return { from: file, target, resolved, anchor };
      }),
    );
    const broken = links.filter(({ resolved, anchor }) => {
      if (!existsSync(join(REPO_ROOT, resolved))) return true;
      return anchor !== undefined && !(resolved.endsWith('.md') && anchorsOf(readDoc(resolved)).has(anchor));
    });

    // Assess
    expect(links.filter(({ anchor }) => anchor !== undefined).length).toBeGreaterThanOrEqual(10);
    expect(broken.map(({ from, target }) => `${from} → ${target}`)).toEqual([]);
  });
});
