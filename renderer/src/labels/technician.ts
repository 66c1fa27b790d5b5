/** The technician's name, remembered on this laptop: every label and audit entry carries it. */
import { useSyncExternalStore } from 'react';

const KEY = 'vigil.technician';
const listeners = new Set<() => void>();

export function technicianName(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function setTechnicianName(name: string): void {
  try {
    localStorage.setItem(KEY, name.trim());
  } catch {
    // Private mode or a full disk: the name is asked again next time.
  }
  for (const l of listeners) l();
}

export function useTechnician(): string {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    technicianName,
  );
}
