/**
 * model_report.html: the report's blocks (report-doc.ts) as one self-contained page a coordinator opens
 * with a double click. Styles are inline, charts are inline SVG with a <title> and a <desc> for screen
 * readers, nothing is fetched (no CDN, no font, no script) and it prints. Well-formed: every element is
 * closed and every attribute quoted, so a strict parser reads it (tested).
 */
import type { Block } from './report-doc.js';

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The texts' Markdown subset as HTML: **bold** and `code`, everything else escaped. */
export function inlineHtml(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1');
}

/** An id for a heading: lower case ASCII, words joined by hyphens. */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1b1f24;
  background: #f4f6f9; margin: 0; line-height: 1.5; font-size: 16px; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 1rem; color: #083a66; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid #d5dbe1; padding-bottom: 0.2rem; color: #083a66; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 0.4rem; }
nav ol { columns: 2; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
.table-wrap { overflow-x: auto; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
th, td { border-bottom: 1px solid #d5dbe1; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #eef1f4; border-radius: 3px; padding: 0 0.25em; font-size: 0.9em; }
figure { display: inline-block; vertical-align: top; max-width: 440px; margin: 1rem 1rem 1rem 0; }
figure#importancia { max-width: 100%; display: block; }
figure svg { max-width: 100%; height: auto; border: 1px solid #d5dbe1; border-radius: 6px; }
figcaption { font-size: 0.92rem; color: #4a5560; }
.notice { border-left: 5px solid #0b4f8a; background: #e8f1fb; border-radius: 6px; padding: 0.6rem 0.9rem; margin: 0.8rem 0; }
.notice-warning { border-color: #a4161a; background: #fdecec; }
.notice-ok { border-color: #1b5e20; background: #e8f5e9; }
dl.glossary dt { font-weight: 700; margin-top: 0.6rem; }
dl.glossary dd { margin: 0 0 0 1.2rem; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

function tableHtml(b: Extract<Block, { kind: 'table' }>): string {
  const cls = (i: number) => (b.align[i] === 'right' ? ' class="num"' : '');
  const head = b.head.map((h, i) => `<th scope="col"${cls(i)}>${inlineHtml(h)}</th>`).join('');
  const rows = b.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${inlineHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = b.caption ? `<caption>${inlineHtml(b.caption)}</caption>` : '';
  return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table></div>`;
}

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'heading': {
      const id = b.id ?? slug(b.text);
      return `<h${b.level} id="${id}">${inlineHtml(b.text)}</h${b.level}>`;
    }
    case 'paragraph':
      return b.only === 'md' ? '' : `<p>${inlineHtml(b.text)}</p>`;
    case 'list':
      return `<ul>\n${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('\n')}\n</ul>`;
    case 'table':
      return tableHtml(b);
    case 'chart':
      return `<figure id="${b.id}">${b.svg}<figcaption>${inlineHtml(b.description)}</figcaption></figure>`;
    case 'notice':
      return `<div class="notice notice-${b.tone}" role="note"><strong>${inlineHtml(b.title)}</strong> ${inlineHtml(b.text)}</div>`;
    case 'glossary':
      return `<dl class="glossary">\n${b.entries.map((e) => `<dt>${inlineHtml(e.term)}</dt><dd>${inlineHtml(e.text)}</dd>`).join('\n')}\n</dl>`;
  }
}

/** A table of contents of the level-2 headings, placed after the title. */
function contents(blocks: readonly Block[]): string {
  const items = blocks
    .filter((b): b is Extract<Block, { kind: 'heading' }> => b.kind === 'heading' && b.level === 2)
    .map((h) => `<li><a href="#${h.id ?? slug(h.text)}">${inlineHtml(h.text)}</a></li>`);
  return items.length === 0 ? '' : `<nav aria-label="Sumário"><ol>\n${items.join('\n')}\n</ol></nav>`;
}

/** The whole page. `title` is the document's title (the first heading is in the body). */
export function renderHtml(blocks: readonly Block[], title: string): string {
  const body: string[] = [];
  blocks.forEach((b, i) => {
    const html = blockHtml(b);
    if (html) body.push(html);
    if (i === 0) body.push(contents(blocks));
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="pt-BR">',
    '<head>',
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
