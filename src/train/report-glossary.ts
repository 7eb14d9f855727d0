/**
 * The report's glossary: every technical word the report uses, in plain Portuguese for the
 * pedagogical coordination (a test checks the terms are there).
 */
import type { Block } from './report-doc.js';

export const GLOSSARY: ReadonlyArray<{ term: string; text: string }> = [
  {
    term: 'Escore (risco)',
    text: 'a probabilidade, de 0 a 1, que o modelo dá de o aluno estar atrasado (defasagem negativa) no ano seguinte. Não é uma nota nem um diagnóstico.',
  },
  {
    term: 'Limiar',
    text: 'o corte no escore a partir do qual um aluno é **sinalizado**. Um limiar mais baixo sinaliza mais alunos: encontra mais dos que vão atrasar, com mais alarmes falsos.',
  },
  {
    term: 'Faixas de risco (baixo, médio, alto)',
    text: 'leitura do escore para a ação: baixo = não sinalizado; médio = sinalizado, acompanhar; alto = a maioria destes alunos atrasa, prioridade.',
  },
  {
    term: 'Taxa base',
    text: 'a proporção de alunos que de fato atrasaram. É o que se acertaria sinalizando todos: a precisão de quem não usa modelo.',
  },
  {
    term: 'Recall (sensibilidade)',
    text: 'de todos os alunos que atrasaram, a parte que o modelo sinalizou. Recall de 78% = de cada 100 alunos que atrasam, o modelo encontra 78.',
  },
  {
    term: 'Precisão',
    text: 'dos alunos sinalizados, a parte que de fato atrasou. Precisão de 70% = de cada 10 sinalizados, 7 atrasam.',
  },
  {
    term: 'Verdadeiro positivo (VP)',
    text: 'aluno sinalizado que de fato atrasou.',
  },
  {
    term: 'Falso positivo (FP, alarme falso)',
    text: 'aluno sinalizado que não atrasou. Custa uma conversa ou uma tutoria a mais, não um dano ao aluno.',
  },
  {
    term: 'Falso negativo (FN)',
    text: 'aluno que atrasou sem ter sido sinalizado: o erro mais caro, porque a ajuda não chegou.',
  },
  {
    term: 'Verdadeiro negativo (VN)',
    text: 'aluno não sinalizado que de fato não atrasou.',
  },
  {
    term: 'ROC-AUC',
    text: 'a chance de o modelo dar um escore maior a um aluno que vai atrasar do que a um que não vai, os dois sorteados ao acaso. 0,5 é o acaso, 1 é perfeito. Mede a ordenação, sem depender do limiar.',
  },
  {
    term: 'PR-AUC',
    text: 'a precisão média em todos os níveis de recall. Compare com a taxa base, que é o valor do acaso; quanto mais perto de 1, melhor.',
  },
  {
    term: 'F2',
    text: 'uma nota única que combina precisão e recall, com o recall pesando mais (deixar de encontrar um aluno custa mais que um alarme falso).',
  },
  {
    term: 'Brier',
    text: 'o erro médio, ao quadrado, entre o escore e o que aconteceu (1 = atrasou, 0 = não). 0 é perfeito; menor é melhor.',
  },
  {
    term: 'Calibração',
    text: 'o escore é calibrado quando ele acerta as proporções: entre alunos com escore 0,6, cerca de 6 em 10 atrasam. **ECE** (erro de calibração) é a distância média entre o previsto e o observado.',
  },
  {
    term: 'Intervalo de confiança (IC 95%)',
    text: 'a faixa de valores compatíveis com os dados, dado o número de alunos (calculada por reamostragem). Intervalos largos pedem cautela.',
  },
  {
    term: 'Validação cruzada',
    text: 'cada aluno recebe o escore de um modelo treinado sem ele, em rodadas; assim os números de validação são honestos sem gastar alunos só para teste.',
  },
  {
    term: 'Teste no ano seguinte (backtest)',
    text: 'o procedimento é refeito só com os anos anteriores e aplicado ao último ano, que ele nunca viu. É a melhor estimativa de como o modelo se sai com uma turma nova.',
  },
  {
    term: 'Critérios de promoção',
    text: 'mínimos de ROC-AUC, precisão e recall no teste que um modelo precisa atingir para o registro aceitar colocá-lo em uso (configuráveis: PROMOTE_MIN_ROC_AUC, PROMOTE_MIN_PRECISION, PROMOTE_MIN_RECALL).',
  },
  {
    term: 'Contribuição e efeito em pontos percentuais',
    text: 'cada fator de um aluno tem uma contribuição exata ao escore interno do modelo (em log-odds) e um efeito aproximado no risco, em pontos percentuais: quanto o risco do aluno mudaria sem aquele fator. Os efeitos de vários fatores não se somam.',
  },
];

export function glossaryBlock(): Block {
  return { kind: 'glossary', entries: GLOSSARY };
}
