/**
 * A vitest reporter that repeats, after the summary, every "… SKIPPED" warning the test files printed
 * (the real-data tests skip loudly when PEDE_XLSX is not set, others without a system package) with the number of tests each file skipped,
 * in one block at the very end of `npm test`, where it cannot be missed. Silent when nothing printed
 * such a warning (CI sets PEDE_XLSX).
 */
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

interface Notice {
  file: string;
  text: string;
}

const SKIP_WORD = /\bSKIPPED\b/;

export class SkipNoticeReporter implements Reporter {
  private ctx: Vitest | null = null;
  private readonly notices: Notice[] = [];

  onInit(ctx: Vitest): void {
    this.ctx = ctx;
    this.notices.length = 0;
  }

  onUserConsoleLog(log: { content: string; taskId?: string }): void {
    if (!SKIP_WORD.test(log.content)) return;
    const entity = log.taskId ? this.ctx?.state.getReportedEntityById(log.taskId) : undefined;
    const file = entity ? (entity.type === 'module' ? entity.moduleId : entity.module.moduleId) : '?';
    const text = log.content.replace(/\*+/g, '').replace(/\s+/g, ' ').trim();
    if (!this.notices.some((n) => n.file === file && n.text === text)) this.notices.push({ file, text });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines = skipNotice(this.notices, testModules, this.ctx?.config.root ?? process.cwd());
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }
}

/** The block to print (no lines when nothing was skipped loudly). */
export function skipNotice(
  notices: readonly Notice[],
  testModules: ReadonlyArray<TestModule>,
  root: string,
): string[] {
  if (notices.length === 0) return [];
  const skippedIn = (file: string): number => {
    const m = testModules.find((t) => t.moduleId === file);
    if (!m) return 0;
    let n = 0;
    for (const t of m.children.allTests()) if (t.result().state === 'skipped') n++;
    return n;
  };
  const rule = '═'.repeat(100);
  const pede = process.env.PEDE_XLSX;
  return [
    '',
    rule,
    ` ⚠  NOT EVERYTHING RAN: ${notices.length} warning(s) of skipped tests${pede ? '' : ' (PEDE_XLSX is not set)'}`,
    ...notices.map((n) => {
      const count = n.file === '?' ? 0 : skippedIn(n.file);
      const where = n.file === '?' ? '' : `${path.relative(root, n.file)}: `;
      return `    ${where}${n.text}${count > 0 ? ` (${count} test${count === 1 ? '' : 's'} skipped)` : ''}`;
    }),
    ...(notices.some((n) => n.text.includes('PEDE_XLSX'))
      ? [' Run the real-data ones with the workbook: PEDE_XLSX=/path/to/PEDE2024.xlsx npm test']
      : []),
    ...(notices.some((n) => !n.text.includes('PEDE_XLSX'))
      ? [' The others name the system package or client they need (docs/first-hour.md lists them).']
      : []),
    rule,
  ];
}
