/**
 * Column names of a CSV preview (models/dataset/formats.ts) in the interface language: a column the
 * file names keeps its name (data); one it does not name is "Column 1" in English, "Columna 1" in
 * Spanish. models/ keeps the English default for the CLI.
 */
import { t } from '../i18n';

export interface NamedColumns {
  columnNames: string[];
  unnamed: boolean[];
}

export const columnNamesSaid = (p: NamedColumns): string[] => p.columnNames.map((c, i) => (p.unnamed[i] ? t('import.columnN', { n: String(i + 1) }) : c));

/**
 * The channels a sniffed import proposes, with unnamed columns said as on the screen (the name a
 * recording keeps). Channels not taken from a column name (FEMTO's) stay as proposed.
 */
export function channelsSaid(p: NamedColumns, channels: string[], axisColumns: number[]): string[] {
  const said = columnNamesSaid(p);
  return channels.map((c, k) => {
    const i = axisColumns[k];
    return i !== undefined && p.unnamed[i] && c === p.columnNames[i] ? said[i] : c;
  });
}
