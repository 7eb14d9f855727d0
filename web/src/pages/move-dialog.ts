/**
 * The confirmation before the champion moves: the target, the guardrail results the server will
 * apply (or why they do not apply), a reason the user types (required, kept in the history), an
 * optional name, and an explicit "force" box only when a guardrail fails, as the CLI's --force.
 */
import { api } from '../api';
import { type Child, h, replaceChildren, uid } from '../dom';
import { METRIC_PT, num3 } from '../format';
import type { AppContext } from '../router';
import type { GuardrailCheck, MoveResult, RegistryOverview, VersionDetail } from '../types';
import { errorBox, loading, notice, table, verdict } from '../ui';

export interface MoveRequest {
  action: 'promote' | 'rollback';
  target: string;
  overview: RegistryOverview;
  ctx: AppContext;
  onMoved: (text: string) => void;
}

function guardrailTable(checks: GuardrailCheck[]): HTMLElement {
  return table<GuardrailCheck>(
    'Critérios mínimos de promoção no ano de teste',
    [
      { head: 'Critério', rowHeader: true, cell: (g) => METRIC_PT[g.metric] ?? g.metric },
      { head: 'Mínimo', num: true, cell: (g) => num3(g.min) },
      { head: 'Valor da versão', num: true, cell: (g) => num3(g.value) },
      { head: 'Resultado', cell: (g) => verdict(g.ok) },
    ],
    checks,
    { 'data-testid': 'guardrails' },
  );
}

function resultText(r: MoveResult): string {
  if (!r.changed) return `${r.version} já era o campeão: nada mudou.`;
  const verb = r.action === 'rollback' ? 'voltou a ser' : 'agora é';
  const serving = r.serving
    ? r.serving.version === r.version
      ? ` O servidor já responde com ${r.version}.`
      : r.serving.follows_champion
        ? ` O servidor ainda responde com ${r.serving.version}: a troca não carregou (veja /ready).`
        : ` Este servidor continua com ${r.serving.version} (MODEL_VERSION fixa o modelo servido).`
    : '';
  return `${r.version} ${verb} o campeão (antes: ${r.previous ?? 'nenhum'}).${r.forced ? ' Critérios mínimos ignorados (forçado).' : ''}${serving}`;
}

/** The form part of the dialog: reason, name, force, and the confirm button. */
function moveForm(req: MoveRequest, checks: GuardrailCheck[] | null, close: () => void): HTMLElement {
  const failing = (checks ?? []).some((g) => !g.ok);
  const reasonId = uid('motivo');
  const hintId = uid('motivo-dica');
  const nameId = uid('nome');
  const forceId = uid('forcar');
  const reason = h('textarea', {
    id: reasonId,
    required: true,
    rows: 3,
    maxlength: 500,
    'aria-describedby': hintId,
  });
  const name = h('input', { id: nameId, type: 'text', maxlength: 80, autocomplete: 'name' });
  const force = h('input', { id: forceId, type: 'checkbox' });
  const status = h('div', { 'aria-live': 'assertive' });
  const confirm = h(
    'button',
    { type: 'submit', class: 'btn', disabled: failing },
    req.action === 'promote' ? 'Confirmar promoção' : 'Confirmar volta',
  );
  force.addEventListener('change', () => {
    confirm.disabled = failing && !force.checked;
  });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (reason.value.trim() === '') {
      replaceChildren(status, notice('error', 'Escreva o motivo: ele fica registrado no histórico.'));
      reason.focus();
      return;
    }
    confirm.disabled = true;
    replaceChildren(status, loading('a troca do campeão'));
    try {
      const body = {
        // A rollback names its target too: the one whose guardrails this dialog showed.
        version: req.target,
        reason: reason.value.trim(),
        ...(name.value.trim() ? { by: name.value.trim() } : {}),
        expect_current: req.overview.champion?.version ?? 'none',
        ...(force.checked ? { force: true } : {}),
      };
      const r = await api<MoveResult>(`/registry/${req.action}`, { method: 'POST', body });
      close();
      req.onMoved(resultText(r));
    } catch (err) {
      replaceChildren(status, errorBox(err));
      confirm.disabled = failing && !force.checked;
    }
  };
  return h(
    'form',
    { class: 'move-form', onsubmit: submit },
    h(
      'div',
      { class: 'field' },
      h('label', { for: reasonId }, 'Motivo (obrigatório)'),
      reason,
      h(
        'p',
        { id: hintId, class: 'muted small' },
        'Fica registrado no histórico do campeão, com a data e a chave usada.',
      ),
    ),
    h('div', { class: 'field' }, h('label', { for: nameId }, 'Seu nome (opcional)'), name),
    failing &&
      h(
        'div',
        { class: 'field check' },
        force,
        h(
          'label',
          { for: forceId },
          'Promover mesmo assim (forçar), ignorando os critérios que não passaram. Fica marcado no histórico.',
        ),
      ),
    status,
    h(
      'div',
      { class: 'actions' },
      confirm,
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: close }, 'Cancelar'),
    ),
  );
}

async function dialogBody(req: MoveRequest, close: () => void): Promise<Child[]> {
  const current = req.overview.champion?.version ?? 'nenhum';
  const intro = h(
    'p',
    null,
    `Campeão atual: ${current}. Depois da confirmação, `,
    h('strong', null, req.target),
    ' passa a ser o campeão e os servidores que seguem o campeão trocam de modelo sem parar.',
  );
  if (req.ctx.session.role !== 'admin')
    return [
      intro,
      notice(
        'error',
        h('p', { class: 'notice-title' }, 'Sem permissão: precisa de uma chave admin.'),
        h(
          'p',
          null,
          'Sua chave é de consulta. Entre com uma chave de administrador para promover ou voltar versões.',
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            onclick: () => {
              close();
              req.ctx.askKey();
            },
          },
          'Trocar de chave',
        ),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: close }, 'Cancelar'),
      ),
    ];
  const d = await api<VersionDetail>(`/registry/versions/${encodeURIComponent(req.target)}`);
  const skip = req.action === 'rollback' && d.was_champion;
  const checks = skip ? null : d.guardrails;
  return [
    intro,
    !d.integrity.ok &&
      notice('error', `${req.target} falhou na verificação de integridade: o servidor vai recusar a troca.`),
    skip
      ? notice(
          'info',
          `${req.target} já foi campeão: como na linha de comando, os critérios mínimos não são exigidos de novo numa volta.`,
        )
      : checks
        ? [
            guardrailTable(checks),
            checks.every((g) => g.ok)
              ? notice('ok', '✓ Passa em todos os critérios mínimos.')
              : notice(
                  'warn',
                  '✗ Não passa em todos os critérios mínimos: só pode ser promovida forçando, com um motivo.',
                ),
          ]
        : notice(
            'warn',
            'As métricas desta versão não puderam ser lidas: o servidor vai conferir os critérios.',
          ),
    moveForm(req, checks, close),
  ];
}

export function openMoveDialog(req: MoveRequest): void {
  const titleId = uid('dialogo');
  const body = h('div', null, loading('os critérios'));
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': titleId, 'data-testid': 'move-dialog' },
    h(
      'h2',
      { id: titleId },
      req.action === 'promote' ? `Promover ${req.target} a campeão` : `Voltar o campeão para ${req.target}`,
    ),
    body,
  );
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  dialogBody(req, close).then(
    (children) => {
      replaceChildren(body, ...children);
      (body.querySelector('textarea, button') as HTMLElement | null)?.focus();
    },
    (err) =>
      replaceChildren(
        body,
        errorBox(err),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: close }, 'Fechar'),
      ),
  );
}
