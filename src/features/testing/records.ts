/**
 * Synthetic modelling rows for tests (no real student data). The label depends on the current lag,
 * the indicators and age in a way that a model can learn, with noise, over two transition years.
 */
import type { Genero, Instituicao, StudentRecord } from '../../core/student.js';
import { createRng } from '../../ml/rng.js';

export type FixtureRow = StudentRecord & { em_risco: 0 | 1; aluno_id?: string };

const INST: Instituicao[] = ['publica', 'publica', 'publica', 'privada_bolsa', 'privada', 'concluiu_em'];

export function syntheticRows(n: number, seed = 1, years: readonly number[] = [2022, 2023]): FixtureRow[] {
  const rng = createRng(seed);
  const gauss = (): number => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const clip = (v: number): number => Math.min(10, Math.max(0, Math.round(v * 100) / 100));
  const rows: FixtureRow[] = [];
  for (let i = 0; i < n; i++) {
    const ano_base = years[i % years.length]!;
    const fase = rng.int(9);
    const defasagem = rng.next() < 0.45 ? -1 - rng.int(2) : rng.int(2);
    const idade = 7 + fase + (defasagem < 0 ? -defasagem : 0) + rng.int(2);
    const ability = gauss();
    const ind = (shift: number): number => clip(6.5 + 1.5 * ability + shift + gauss());
    const ian = defasagem < 0 ? 5 : 10;
    const ida = ind(-0.5);
    const ieg = ind(1);
    const iaa = ind(1.5);
    const ips = ind(0.5);
    const ipp = ano_base === 2022 ? null : ind(0.5);
    const ipv = ind(0.5);
    const inde = clip((ian + ida + ieg + iaa + ips + ipv) / 6);
    const z =
      (defasagem < 0 ? 1.6 : -1.2) -
      0.7 * ability +
      0.15 * (fase - 4) +
      (ano_base === 2022 ? 0.4 : 0) +
      gauss() * 0.8;
    const genero: Genero | null = rng.next() < 0.02 ? null : rng.next() < 0.5 ? 'feminino' : 'masculino';
    const instituicao: Instituicao | null = rng.next() < 0.02 ? null : INST[rng.int(INST.length)]!;
    rows.push({
      ano_base,
      fase,
      idade,
      genero,
      instituicao,
      ano_ingresso: ano_base - rng.int(5),
      ian,
      ida: rng.next() < 0.03 ? null : ida,
      ieg,
      iaa,
      ips,
      ipp,
      ipv,
      inde,
      defasagem,
      em_risco: z > 0 ? 1 : 0,
      aluno_id: `s${Math.floor(i / years.length)}`,
    });
  }
  return rows;
}
