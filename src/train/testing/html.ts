/**
 * A strict little HTML reader for the report tests: it accepts only well-formed markup (every element
 * closed or self-closed, void elements known, attributes quoted, `&` only in entities, no raw `<` in
 * text) and throws naming the offset otherwise. It returns the element tree so tests can query it.
 */

export interface HtmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: Array<HtmlElement | string>;
}

const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'source', 'wbr']);
const RAW_TEXT = new Set(['style', 'script']);
const ENTITY = /^&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);/;

function checkText(text: string, at: number): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) throw new Error(`bare "&" at offset ${at + i}`);
  }
  if (text.includes('>')) throw new Error(`raw ">" in text at offset ${at + text.indexOf('>')}`);
}

function parseAttrs(src: string, at: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"<]*)"/y;
  let i = 0;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new Error(`malformed attribute near offset ${at + i}: ${src.slice(i, i + 30)}`);
    if (m[1]! in attrs) throw new Error(`attribute "${m[1]}" twice at offset ${at + i}`);
    checkText(m[2]!, at + i);
    attrs[m[1]!] = m[2]!;
    i = re.lastIndex;
  }
  return attrs;
}

/** Parses a whole document (an optional doctype, then one root element). */
export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#document', attrs: {}, children: [] };
  const stack: HtmlElement[] = [root];
  let i = html.startsWith('<!DOCTYPE html>') ? '<!DOCTYPE html>'.length : 0;
  while (i < html.length) {
    const top = stack[stack.length - 1]!;
    const lt = html.indexOf('<', i);
    const text = html.slice(i, lt < 0 ? html.length : lt);
    if (text.length > 0) {
      checkText(text, i);
      if (text.trim()) top.children.push(text);
    }
    if (lt < 0) break;
    const gt = html.indexOf('>', lt);
    if (gt < 0) throw new Error(`unclosed tag at offset ${lt}`);
    const body = html.slice(lt + 1, gt);
    if (body.startsWith('/')) {
      const name = body.slice(1);
      if (name !== top.tag) throw new Error(`</${name}> at offset ${lt} closes <${top.tag}>`);
      stack.pop();
      i = gt + 1;
      continue;
    }
    const selfClosing = body.endsWith('/');
    const m = /^([a-zA-Z][a-zA-Z0-9]*)(.*?)\s*\/?$/s.exec(body);
    if (!m) throw new Error(`malformed tag at offset ${lt}: <${body.slice(0, 30)}`);
    const el: HtmlElement = { tag: m[1]!, attrs: parseAttrs(m[2]!, lt + 1 + m[1]!.length), children: [] };
    top.children.push(el);
    i = gt + 1;
    if (RAW_TEXT.has(el.tag)) {
      const end = html.indexOf(`</${el.tag}>`, i);
      if (end < 0) throw new Error(`<${el.tag}> at offset ${lt} is never closed`);
      el.children.push(html.slice(i, end));
      i = end + el.tag.length + 3;
    } else if (!selfClosing && !VOID.has(el.tag)) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.tag}> is never closed`);
  return root;
}

/** Every element with this tag, in document order. */
export function findAll(node: HtmlElement, tag: string): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (n: HtmlElement) => {
    for (const c of n.children) {
      if (typeof c === 'string') continue;
      if (c.tag === tag) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** The text content of an element (entities left as written). */
export function textOf(node: HtmlElement): string {
  return node.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
