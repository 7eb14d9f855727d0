import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';
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
