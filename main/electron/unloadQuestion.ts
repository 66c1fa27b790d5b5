/**
 * Electron gives no dialog of its own when a page asks before unloading (the renderer's
 * 'beforeunload' while a label is unsaved, renderer/src/app/unsaved.ts): it silently keeps the
 * page, so a close or a reload would just do nothing. On 'will-prevent-unload' the shell asks in
 * the system's language: discard and leave, or keep editing (the default).
 */
import type { MessageBoxSyncOptions } from 'electron';
import { makeI18n, pickLang } from '../../models/i18n';

/** True when the technician chose to leave (the caller then lets the unload go on). */
export function leaveDespiteUnsaved(ask: (o: MessageBoxSyncOptions) => number, locale: string): boolean {
  const { t } = makeI18n(pickLang([locale]));
  const choice = ask({
    type: 'question',
    buttons: [t('app.unsaved.discard'), t('app.unsaved.keep')],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
    title: 'Vigil',
    message: t('app.unsaved.title'),
    detail: t('app.unsaved.closing'),
  });
  return choice === 0;
}
