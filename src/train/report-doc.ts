/**
 * The training report as a list of blocks (headings, paragraphs, lists, tables, charts, notices, a
 * glossary), written once and rendered twice: model_report.md (text; charts become a sentence that
 * describes them and points to the HTML) and model_report.html (report-html.ts: self-contained, charts
 * as inline SVG). Texts use a small Markdown subset that both renderers understand: **bold**, `code`.
 */

export type Align = 'left' | 'right';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string; id?: string }
  | { kind: 'paragraph'; text: string; only?: 'md' | 'html' }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; caption?: string; head: string[]; align: Align[]; rows: string[][] }
  | { kind: 'chart'; id: string; title: string; description: string; svg: string }
  | { kind: 'notice'; tone: 'warning' | 'ok' | 'info'; title: string; text: string }
  | { kind: 'glossary'; entries: ReadonlyArray<{ term: string; text: string }> };

export const heading = (level: 1 | 2 | 3, text: string, id?: string): Block => ({
  kind: 'heading',
  level,
  text,
  ...(id ? { id } : {}),
});
export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
export const list = (items: string[]): Block => ({ kind: 'list', items });
export const table = (head: string[], align: Align[], rows: string[][], caption?: string): Block => ({
  kind: 'table',
  head,
  align,
  rows,
  ...(caption ? { caption } : {}),
});

/** The HTML report's file name, linked from the Markdown one. */
export const HTML_REPORT = 'model_report.html';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdownTable(b: Extract<Block, { kind: 'table' }>): string[] {
  return [
    ...(b.caption ? [`**${b.caption}**`, ''] : []),
    `| ${b.head.map(cell).join(' | ')} |`,
    `| ${b.align.map((a) => (a === 'right' ? '---:' : '---')).join(' | ')} |`,
    ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** One block as Markdown lines (no trailing blank line). */
function markdownBlock(b: Block): string[] {
  switch (b.kind) {
    case 'heading':
      return [`${'#'.repeat(b.level)} ${b.text}`];
    case 'paragraph':
      return b.only === 'html' ? [] : [b.text];
    case 'list':
      return b.items.map((i) => `- ${i}`);
    case 'table':
      return markdownTable(b);
    case 'chart':
      return [
        `**Gráfico: ${b.title}.** ${b.description} (O gráfico está em [${HTML_REPORT}](${HTML_REPORT}#${b.id}).)`,
      ];
    case 'notice':
      return [`> ${b.tone === 'warning' ? '⚠ ' : ''}**${b.title}** ${b.text}`];
    case 'glossary':
      return b.entries.map((e) => `- **${e.term}**: ${e.text}`);
  }
}

/** The report as Markdown: no raw SVG (a text viewer shows it as screens of markup). */
export function renderMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    const lines = markdownBlock(b);
    if (lines.length > 0) out.push(...lines, '');
  }
  return out.join('\n');
}
