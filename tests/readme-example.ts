// The doc-test helper: a package README's usage example and the output it documents. The example
// is the first ```ts block under "## Usage" (or in the README when it has no such heading). The
// output is the ```text block that follows it, before any other code block or heading; without
// one, it is the trailing comments of the example's `console.log(...); // output` lines.
export interface ReadmeExample {
  code: string;
  output: string;
}

interface Block {
  lang: string;
  text: string;
  start: number;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({ lang: m[1]!, text: m[2]!, start: m.index });
  }
  return blocks;
}

export function readmeExample(markdown: string, source: string): ReadmeExample {
  const usage = markdown.indexOf('\n## Usage\n');
  const blocks = codeBlocks(markdown).filter((b) => b.start > usage);
  const at = blocks.findIndex((b) => b.lang === 'ts');
  const code = blocks[at];
  if (!code) throw new Error(`${source}: no \`\`\`ts usage example`);
  const next = blocks[at + 1];
  const between = next ? markdown.slice(code.start + code.text.length, next.start) : '';
  if (next?.lang === 'text' && !/^#/m.test(between)) return { code: code.text, output: next.text };
  const comments = [...code.text.matchAll(/^\s*console\.log\(.*\);\s*\/\/ (.*)$/gm)].map(
    (m) => m[1],
  );
  if (comments.length === 0) {
    throw new Error(`${source}: the usage example documents no output (a \`\`\`text block)`);
  }
  return { code: code.text, output: `${comments.join('\n')}\n` };
}
