import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';
import { COMMAND_GROUPS, loadProgram } from './root.js';
import { runProgramInProcess } from './testing/support.js';

const cli = (...args: string[]) => runProgramInProcess(buildProgram(), args);

describe('usage errors of the whole CLI', () => {
  it('names an unknown flag and suggests the right one, even when a required option is missing', async () => {
    const r = await cli('ingest', '--souce', 'PEDE.xlsx');
    expect(r.code).toBe(2);
    expect(r.err).toContain("error DEF_ERR_USAGE: unknown option '--souce' (did you mean --source?)\n");
    expect(r.err).not.toContain('required option');
  });

  it('still reports a missing required option by name', async () => {
    const r = await cli('synth');
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '--out <file.xlsx>' not specified");
  });

  it('puts the suggestion on the same line, in --json too', async () => {
    const r = await cli('--json', 'start', '--prot', '8000');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({
      code: 'DEF_ERR_USAGE',
      message: "unknown option '--prot' (did you mean --port?)",
    });
    const cmd = await cli('ingset');
    expect(cmd.err).toContain("unknown command 'ingset' (did you mean ingest?)");
  });

  it('every command has --help and it exits 0', async () => {
    for (const name of buildProgram().commands.map((c) => c.name())) {
      expect((await cli(name, '--help')).code, name).toBe(0);
    }
  });
});

describe('the program main.ts loads', () => {
  const names = (p: { commands: readonly { name(): string }[] }) => p.commands.map((c) => c.name());
  const argv = (...args: string[]) => ['node', 'defasagem', ...args];

  it('is the whole program, in the same order, when no known command is named', async () => {
    const whole = names(buildProgram());
    for (const args of [[], ['--help'], ['help', 'train'], ['ingset'], ['--json']])
      expect(names(await loadProgram(argv(...args))), args.join(' ')).toEqual(whole);
    // Every top-level command is in exactly one group, so a named one always loads.
    expect(COMMAND_GROUPS.flatMap((g) => g.names).sort()).toEqual([...whole].sort());
  });

  it('loads only the named group, after global flags too, with its options and usage checks intact', async () => {
    expect(names(await loadProgram(argv('registry', 'list')))).toEqual(['registry']);
    expect(names(await loadProgram(argv('--json', 'ingest', '--souce', 'x')))).toEqual(['ingest', 'synth']);
    const r = await runProgramInProcess(await loadProgram(argv('ingest', '--souce', 'x')), [
      'ingest',
      '--souce',
      'x',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--souce' (did you mean --source?)");
  });
});
