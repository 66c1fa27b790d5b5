/** Velocity RMS zones for the Live page (pure, so it is unit-tested without a DOM). */
/**
 * ISO 20816-3 evaluation zones for velocity RMS (10–1000 Hz), group 2 machines (15–300 kW) on a
 * rigid foundation: A new machine, B unrestricted long-term operation, C restricted (plan a repair),
 * D damage likely.
 */
export const ISO_ZONE_LIMITS_MM_S = { A: 1.4, B: 2.8, C: 4.5 } as const;
export const ISO_ZONE_TITLE =
  'ISO 20816-3, group 2 (15–300 kW), rigid foundation: A up to 1.4 mm/s (new machine), B up to 2.8 (long-term operation), C up to 4.5 (restricted: plan a repair), D above 4.5 (damage likely)';

export function isoZone(mmS: number): 'A' | 'B' | 'C' | 'D' | null {
  if (!Number.isFinite(mmS) || mmS < 0) return null;
  if (mmS <= ISO_ZONE_LIMITS_MM_S.A) return 'A';
  if (mmS <= ISO_ZONE_LIMITS_MM_S.B) return 'B';
  if (mmS <= ISO_ZONE_LIMITS_MM_S.C) return 'C';
  return 'D';
}
