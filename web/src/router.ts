/** The pages and what each receives: the element to fill and the session (role, whether auth is on). */
import type { DashboardConfig, Session } from './types';

export interface AppContext {
  session: Session;
  features: DashboardConfig['features'];
  monitoring: DashboardConfig['monitoring'];
  /** Re-renders the current page (after a promotion, for instance). */
  rerender(): void;
  /** Forgets the key and asks for another. */
  askKey(message?: string): void;
}

export interface Page {
  /** The hash path: #/visao-geral. */
  path: string;
  title: string;
  render(main: HTMLElement, ctx: AppContext): Promise<void>;
}

export const ROLE_PT: Record<string, string> = { admin: 'administrador', predict: 'consulta' };
