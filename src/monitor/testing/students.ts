import type { StudentRecord } from '../../core/student.js';

/** A deterministic made-up student (no real person): values spread over every field's range. */
export function fakeStudent(i: number): StudentRecord {
  return {
    ano_base: 2024,
    fase: i % 9,
    idade: 7 + (i % 12),
    genero: i % 2 ? 'feminino' : 'masculino',
    instituicao: i % 5 ? 'publica' : 'privada_bolsa',
    ano_ingresso: 2016 + (i % 8),
    ian: [2.5, 5, 10][i % 3]!,
    ida: (i % 100) / 10,
    ieg: 5 + (i % 50) / 10,
    iaa: 6 + (i % 40) / 10,
    ips: 4 + (i % 60) / 10,
    ipp: i % 7 ? 5 + (i % 45) / 10 : null,
    ipv: 5 + (i % 48) / 10,
    inde: 5 + (i % 47) / 10,
    defasagem: (i % 4) - 2,
  };
}
