/**
 * Saying what a stretch of vibration is: one button per label, each with its key (press the key
 * to label at once), notes, and the technician's name. Used for a new selection on a chart, an
 * event, or editing a label.
 */
import { useEffect, useRef, useState } from 'react';
import { LABEL_KEYS, LABEL_KINDS, LABEL_COLOURS, labelForKey, type LabelKind } from '../../../models/dataset/labels';
import { labelName, t } from '../i18n';
import { unsaved } from '../app/unsaved';
import { setTechnicianName, technicianName } from './technician';

export interface LabelFormProps {
  /** What is being labelled, in words: "Recording 12.30 s to 14.05 s (1.75 s)". */
  title: string;
  initial?: { label: LabelKind; notes: string };
  saveText?: string;
  busy?: boolean;
  error?: string | null;
  onSave(label: LabelKind, notes: string, author: string): void;
  onCancel(): void;
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function LabelForm({ title, initial, saveText = t('labels.save'), busy = false, error, onSave, onCancel }: LabelFormProps) {
  const [label, setLabel] = useState<LabelKind | null>(initial?.label ?? null);
  const [notes, setNotes] = useState(initial?.notes ?? '');
  const [author, setAuthor] = useState(technicianName);
  const [hint, setHint] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  // The latest values for the document-level key handler.
  const latest = useRef({ notes, author, busy, onSave, onCancel });
  latest.current = { notes, author, busy, onSave, onCancel };

  const save = (kind: LabelKind | null) => {
    const l = latest.current;
    if (!kind) {
      setHint(t('labels.chooseFirst'));
      return;
    }
    if (!l.author.trim()) {
      setHint(t('labels.nameFirst'));
      nameRef.current?.focus();
      return;
    }
    if (l.busy) return;
    setTechnicianName(l.author);
    l.onSave(kind, l.notes, l.author.trim());
  };

  // Opened below the chart: bring the form, and its Save button above all, into view.
  useEffect(() => {
    formRef.current?.scrollIntoView?.({ block: 'nearest' });
    actionsRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);

  // A new range is unsaved work from the start; an edit once something changed. Leaving asks first.
  const dirty = !initial || label !== initial.label || notes !== initial.notes;
  useEffect(() => {
    if (!dirty) return;
    return unsaved.hold({ what: title, discard: () => latest.current.onCancel() });
  }, [dirty, title]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        latest.current.onCancel();
        return;
      }
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const kind = labelForKey(e.key);
      if (!kind) return;
      e.preventDefault();
      setLabel(kind);
      save(kind);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
    // save reads everything through `latest`.
  }, []);

  return (
    <form
      ref={formRef}
      className="label-form"
      data-testid="label-form"
      aria-label={t('labels.formLabel')}
      onSubmit={(e) => {
        e.preventDefault();
        save(label);
      }}
    >
      <div className="label-form-head">
        <strong>{title}</strong>
        <span className="muted small">{t('labels.keysHint')}</span>
      </div>
      <div className="label-buttons" role="group" aria-label={t('labels.group')}>
        {LABEL_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            className="label-choice"
            aria-pressed={label === k}
            data-label={k}
            style={{ borderColor: LABEL_COLOURS[k] }}
            onClick={() => {
              setLabel(k);
              setHint(null);
            }}
          >
            <span className="swatch" style={{ backgroundColor: LABEL_COLOURS[k] }} />
            {labelName(k)}
            <kbd>{LABEL_KEYS[k].toUpperCase()}</kbd>
          </button>
        ))}
      </div>
      <div className="label-fields">
        <label>
          {t('labels.notes')}
          <textarea data-testid="label-notes" rows={2} maxLength={4000} value={notes} onChange={(e) => setNotes(e.target.value)} placeholder={t('labels.notesPlaceholder')} />
        </label>
        <label>
          {t('labels.yourName')}
          <input ref={nameRef} data-testid="label-author" value={author} onChange={(e) => setAuthor(e.target.value)} maxLength={80} autoComplete="name" />
        </label>
      </div>
      {(hint || error) && (
        <p className="error" role="alert">
          {error ?? hint}
        </p>
      )}
      <div className="label-actions" ref={actionsRef}>
        <button type="submit" className="primary" data-testid="label-save" disabled={busy || label === null}>
          {saveText}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
