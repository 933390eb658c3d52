// The doc-test helper: a package README's usage example (the first ```ts block under
// "## Usage") and the output it documents (the next ```text block).
export interface ReadmeExample {
  code: string;
  output: string;
}

export function readmeExample(markdown: string, source: string): ReadmeExample {
  const usage = markdown.indexOf('\n## Usage\n');
  if (usage < 0) throw new Error(`${source}: no "## Usage" section`);
  const block = (lang: string, from: number) => {
    const open = markdown.indexOf(`\n\`\`\`${lang}\n`, from);
    if (open < 0) throw new Error(`${source}: no \`\`\`${lang} block under "## Usage"`);
    const start = open + lang.length + 5;
    const end = markdown.indexOf('\n```\n', start - 1);
    if (end < 0) throw new Error(`${source}: unterminated \`\`\`${lang} block`);
    return { text: markdown.slice(start, end + 1), end };
  };
  const code = block('ts', usage);
  const output = block('text', code.end);
  return { code: code.text, output: output.text };
}
