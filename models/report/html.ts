/**
 * The maintenance report as one self-contained HTML page (inline CSS and SVG, no script, no
 * network), printed to PDF by Electron's printToPDF in the app, by headless Chromium in
 * `vigil report`, and by the browser's own print in browser mode: the same page everywhere.
 * Charts read in black and white: zones are hatched and lettered, curves differ by dash pattern
 * and marker, every curve is named in a legend. Page numbers, site, asset, period and generation
 * time sit in the @page margin boxes, so every printed page carries them.
 */
import type { I18n } from '../i18n';
import { renderMsg } from '../i18n/msg';
import { ISO_LIMITS_MM_S, type ReportEnvelope, type ReportModel, type Point } from './model';
import { decimate } from './model';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** For a CSS string literal (@page content). */
const cssStr = (s: string) => `"${s.replace(/["\\]/g, '\\$&').replace(/\n/g, ' ').replace(/</g, '\\3c ')}"`;

const W = 680;
const H = 240;
const M = { l: 56, r: 12, t: 12, b: 40 };
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

function marker(kind: (typeof MARKERS)[number], x: number, y: number): string {
  const r = 3;
  switch (kind) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="${r}" fill="white" stroke="black"/>`;
    case 'square':
      return `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="black"/>`;
    case 'triangle':
      return `<path d="M${x} ${y - r}L${x + r} ${y + r}L${x - r} ${y + r}Z" fill="white" stroke="black"/>`;
    default:
      return `<path d="M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z" fill="black"/>`;
  }
}

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

interface Axis {
  lo: number;
  hi: number;
  log?: boolean;
  fmt: (v: number) => string;
  title: string;
}
function frame(x: Axis, y: Axis, body: string): string {
  const sx = scale(x, M.l, W - M.r);
  const sy = scale(y, H - M.b, M.t);
  const xt = x.log ? [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000].filter((v) => v >= x.lo && v <= x.hi) : ticks(x.lo, x.hi);
  const yt = ticks(y.lo, y.hi);
  const grid = [
    ...xt.map((v) => `<line x1="${sx(v)}" x2="${sx(v)}" y1="${M.t}" y2="${H - M.b}" stroke="#999" stroke-width="0.4"/><text x="${sx(v)}" y="${H - M.b + 14}" text-anchor="middle">${esc(x.fmt(v))}</text>`),
    ...yt.map((v) => `<line x1="${M.l}" x2="${W - M.r}" y1="${sy(v)}" y2="${sy(v)}" stroke="#999" stroke-width="0.4"/><text x="${M.l - 4}" y="${sy(v) + 3}" text-anchor="end">${esc(y.fmt(v))}</text>`),
  ].join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" class="chart" font-size="10" font-family="sans-serif">
<defs><pattern id="hatchC" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0 6L6 0" stroke="black" stroke-width="0.5"/></pattern>
<pattern id="hatchD" width="5" height="5" patternUnits="userSpaceOnUse"><path d="M0 5L5 0M0 0L5 5" stroke="black" stroke-width="0.6"/></pattern>
<pattern id="dotsB" width="6" height="6" patternUnits="userSpaceOnUse"><circle cx="3" cy="3" r="0.6" fill="black"/></pattern></defs>
${grid}<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="black"/>${body}
<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">${esc(x.title)}</text>
<text transform="translate(12 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(y.title)}</text></svg>`;
}
function scale(a: Axis, p0: number, p1: number): (v: number) => number {
  const f = a.log ? Math.log10 : (v: number) => v;
  const lo = f(a.lo), hi = f(a.hi);
  return (v) => +(p0 + ((f(v) - lo) / (hi - lo || 1)) * (p1 - p0)).toFixed(1);
}
function path(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i ? 'L' : 'M'}${x} ${y}`).join('');
}

function velocityChart(m: ReportModel, i: I18n): string {
  const pts: Point[] = decimate(m.velocity, 600);
  const vmax = Math.max(ISO_LIMITS_MM_S.C * 1.25, ...pts.map((p) => p.v)) * 1.05;
  const spanMs = m.toMs - m.fromMs;
  const x: Axis = { lo: pts[0].tMs, hi: Math.max(pts[pts.length - 1].tMs, pts[0].tMs + 1), fmt: (v) => (spanMs > 2 * 86400e3 ? i.date(v) : i.dateTime(v).slice(-9, -4)), title: `UTC` };
  const y: Axis = { lo: 0, hi: vmax, fmt: (v) => i.num(v, 1), title: i.t('report.velocityAxis', { unit: i.t('report.unit.mmS') }) };
  const sx = scale(x, M.l, W - M.r);
  const sy = scale(y, H - M.b, M.t);
  const band = (lo: number, hi: number, fill: string, letter: string) =>
    `<rect x="${M.l}" y="${sy(hi)}" width="${W - M.l - M.r}" height="${sy(lo) - sy(hi)}" fill="${fill}" stroke="black" stroke-width="0.3"/><text x="${M.l + 4}" y="${sy(hi) + 12}" font-weight="bold" fill="black" stroke="white" stroke-width="3" paint-order="stroke">${letter}</text>`;
  const zones = band(0, ISO_LIMITS_MM_S.A, 'white', 'A') + band(ISO_LIMITS_MM_S.A, ISO_LIMITS_MM_S.B, 'url(#dotsB)', 'B') + band(ISO_LIMITS_MM_S.B, ISO_LIMITS_MM_S.C, 'url(#hatchC)', 'C') + band(ISO_LIMITS_MM_S.C, vmax, 'url(#hatchD)', 'D');
  // Events as dotted verticals numbered as in the Events section.
  const evs = m.events.map((e, k) => `<line x1="${sx(e.startMs)}" x2="${sx(e.startMs)}" y1="${M.t}" y2="${H - M.b}" stroke="black" stroke-dasharray="2 2"/><text x="${sx(e.startMs) - 3}" y="${M.t + 10 + 11 * (k % 2)}" text-anchor="end" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke">${esc(i.t('report.event'))} ${k + 1}</text>`).join('');
  // The line breaks where the data does (days with no measurements, a node offline): between two
  // measurements further apart than two minutes (the per-minute summaries' spacing, with slack) and
  // than 1/300 of the period (under that the break would not show at this width).
  const gapMs = Math.max(120_000, spanMs / 300);
  const gaps: [number, number][] = [];
  for (let k = 1; k < m.velocity.length; k++) if (m.velocity[k].tMs - m.velocity[k - 1].tMs > gapMs) gaps.push([m.velocity[k - 1].tMs, m.velocity[k].tMs]);
  const runs: Point[][] = [];
  for (const p of pts) {
    const prev = runs.at(-1)?.at(-1);
    if (prev && !gaps.some(([a, b]) => a >= prev.tMs && b <= p.tMs)) runs.at(-1)!.push(p);
    else runs.push([p]);
  }
  const solid = runs.map((r) => (r.length > 1 ? path(r.map((p) => [sx(p.tMs), sy(p.v)])) : `M${sx(r[0].tMs) - 1} ${sy(r[0].v)}h2`)).join('');
  // Across a stretch with no data: a thin dotted connector, so the trend still reads, and a dot
  // where a stretch of data is too short to show as a line (a short recording on a long period).
  const across = runs.slice(1).map((r, k) => path([[sx(runs[k].at(-1)!.tMs), sy(runs[k].at(-1)!.v)], [sx(r[0].tMs), sy(r[0].v)]])).join('');
  const dots = runs.filter((r) => sx(r.at(-1)!.tMs) - sx(r[0].tMs) < 4).map((r) => `<circle cx="${sx(r[0].tMs)}" cy="${sy(Math.max(...r.map((p) => p.v)))}" r="2.2" fill="black"/>`).join('');
  const line = `<path class="velocity-gap" d="${across}" fill="none" stroke="black" stroke-width="0.7" stroke-dasharray="1.5 2.5"/><path class="velocity" d="${solid}" fill="none" stroke="black" stroke-width="1.4"/>${dots}`;
  // Stretches drawn from summaries: shaded grey over the plot's height, named under the event labels when wide enough (the sentences below the chart say when).
  const stretches = m.summarised
    .map((st) => {
      const a = Math.min(W - M.r - 4, Math.max(M.l, sx(Math.max(st.fromMs, x.lo))));
      const b = Math.min(W - M.r, Math.max(a + 4, sx(Math.min(st.toMs, x.hi))));
      const words = i.t(st.lenMs >= 60_000 ? 'report.summarisedMinutesShort' : 'report.summarisedSecondsShort');
      // Named on the bar when it is wide enough; the sentences under the chart say every stretch.
      const label = b - a >= 6 * words.length ? `<text x="${(a + b) / 2}" y="${M.t + 34}" text-anchor="middle" font-size="8" stroke="white" stroke-width="2.5" paint-order="stroke">${esc(words)}</text>` : '';
      return `<rect class="summarised" x="${a}" y="${M.t}" width="${(b - a).toFixed(1)}" height="${H - M.b - M.t}" fill="black" fill-opacity="0.15" stroke="black" stroke-width="0.4" stroke-dasharray="3 2"/>${label}`;
    })
    .join('');
  return frame(x, y, zones + evs + stretches + line);
}

function spectrumChart(m: ReportModel, i: I18n): string {
  const f = m.bandCentersHz;
  const all = m.spectra.flatMap((s) => s.db).filter(Number.isFinite);
  const x: Axis = { lo: f[0], hi: f[f.length - 1], log: true, fmt: (v) => i.num(v, 0), title: i.t('report.frequencyAxis') };
  const y: Axis = { lo: Math.floor(Math.min(...all) / 10) * 10, hi: Math.ceil(Math.max(...all) / 10) * 10, fmt: (v) => i.num(v, 0), title: i.t('report.bandEnergyAxis') };
  const sx = scale(x, M.l, W - M.r);
  const sy = scale(y, H - M.b, M.t);
  const body = m.spectra
    .map((s, k) => {
      const pts: [number, number][] = s.db.map((d, b) => [sx(f[b]), sy(d)]);
      const mk = pts.filter((_, b) => b % 3 === k % 3).map(([px, py]) => marker(MARKERS[k % 4], px, py)).join('');
      return `<path d="${path(pts)}" fill="none" stroke="black" stroke-width="${s.kind === 'baseline' ? 2 : 1}" stroke-dasharray="${DASHES[k % 4]}"/>${mk}`;
    })
    .join('');
  return frame(x, y, body);
}

function legend(m: ReportModel, i: I18n): string {
  return `<ul class="legend">${m.spectra
    .map((s, k) => `<li><svg width="46" height="10"><line x1="0" x2="46" y1="5" y2="5" stroke="black" stroke-width="${s.kind === 'baseline' ? 2 : 1}" stroke-dasharray="${DASHES[k % 4]}"/>${marker(MARKERS[k % 4], 23, 5)}</svg> ${esc(i.t(`report.${s.kind}`))}: ${esc(i.dateTime(s.tMs))}</li>`)
    .join('')}</ul>`;
}

/** Dash pattern of a marker line by kind: the shaft's harmonics dotted, each defect frequency its own dash. */
const MARKER_DASH: Record<string, string> = { shaft: '1 2', bpfo: '6 3', bpfi: '', bsf: '8 3 2 3', ftf: '3 3' };

function envelopeChart(e: ReportEnvelope, i: I18n): string {
  const a = Array.from(e.amplitude);
  const top = Math.max(...a.slice(Math.max(1, Math.ceil(e.fromHz / e.binHz))));
  const x: Axis = { lo: 0, hi: e.lowPassHz, fmt: (v) => i.num(v, 0), title: i.t('report.frequencyAxis') };
  const y: Axis = { lo: 0, hi: top * 1.25 || 1, fmt: (v) => i.num(v, 3), title: i.t('report.envelopeAxis') };
  const sx = scale(x, M.l, W - M.r);
  const sy = scale(y, H - M.b, M.t);
  // Markers: the defect frequencies with their harmonics (dashed by kind; the fundamentals labelled
  // under the top edge, one row per kind so labels do not collide) and the shaft's harmonics (dotted,
  // labelled in a row below those).
  const rows: Record<string, number> = { bpfo: 0, bpfi: 1, bsf: 2, ftf: 3 };
  const marks = e.markers
    .filter((mk) => mk.hz <= e.lowPassHz)
    .map((mk) => {
      const px = sx(mk.hz);
      const shaft = mk.kind === 'shaft';
      const line = `<line x1="${px}" x2="${px}" y1="${M.t}" y2="${H - M.b}" stroke="black" stroke-width="${shaft || mk.harmonic > 1 ? 0.5 : 0.9}" stroke-dasharray="${MARKER_DASH[mk.kind]}"/>`;
      const label = shaft
        ? `<text x="${px}" y="${M.t + 9 + 10 * 4}" text-anchor="middle" font-size="8" stroke="white" stroke-width="2.5" paint-order="stroke">${esc(mk.label)}</text>`
        : mk.harmonic === 1
          ? `<text x="${px + 2}" y="${M.t + 9 + 10 * rows[mk.kind]}" font-size="8" font-weight="bold" stroke="white" stroke-width="2.5" paint-order="stroke">${esc(mk.label)}</text>`
          : '';
      return line + label;
    })
    .join('');
  const curve = `<path d="${path(a.map((v, k) => [sx(k * e.binHz), sy(v)] as [number, number]).slice(1))}" fill="none" stroke="black" stroke-width="0.9"/>`;
  const peak = e.peak ? `<path d="M${sx(e.peak.hz)} ${sy(e.peak.value) - 3}l-4 -7h8z" fill="black"/>` : '';
  return frame(x, y, marks + curve + peak);
}

/** The words of the envelope view (the app's catalogue: analysis.*), in the report's language. */
function envelopeWords(e: ReportEnvelope, i: I18n): string {
  const t = i.t;
  const out: string[] = [];
  const hz = (v: number) => i.num(v, 2);
  // What the markers are at: the speed and the bearing, and where each comes from.
  const speed = e.shaftHz > 0 ? t('report.envSpeed', { rpm: i.num(e.shaftHz * 60, 0), hz: hz(e.shaftHz), from: t(`report.envSpeedFrom.${e.speedFrom}`) }) : t('report.envSpeedUnknown');
  const bearing = e.bearing
    ? t(e.bearing.from === 'cwru' ? 'report.envBearingCwru' : 'report.envBearingFleet', { bearing: e.bearing.words ? renderMsg(e.bearing.words, { t, num: (x) => i.num(x, 0) }) : t('report.envBearingGeometry') })
    : t('report.envBearingNone');
  out.push(`<p class="note">${esc(speed)} ${esc(bearing)}</p>`);
  if (e.peak) {
    const p = e.peak;
    const head = `${t(e.shaftHz > 0 ? 'analysis.peak.highestOffShaft' : 'analysis.peak.highest')} <b>${esc(hz(p.hz))} Hz</b> (${esc(i.num(p.value, 3))} g, ${esc(t('analysis.peak.aboveFloor', { db: i.num(p.aboveFloorDb, 1) }))})`;
    const meaning = p.marker ? MEANING[p.marker.label] : undefined;
    const at = p.marker
      ? ` — ${esc(t('analysis.peak.at'))} <b>${esc(p.marker.label)}</b>${meaning ? `: ${esc(t(meaning))}` : ''}, ${esc(t('analysis.peak.offset', { bins: i.num(Math.abs(p.offsetBins), 1), binHz: hz(e.binHz) }))}`
      : e.shaftHz > 0
        ? ` — ${esc(t('analysis.peak.none'))}`
        : '.';
    out.push(`<p class="peak" data-peak-hz="${p.hz}">${head}${at}</p>`);
  }
  out.push(
    `<p class="note">${esc(
      e.bandChosen && e.chosenSnrDb !== null
        ? t('analysis.envelope.bandChosen', { lo: i.num(e.bandHz[0], 0), hi: i.num(e.bandHz[1], 0), db: i.num(e.chosenSnrDb, 1) })
        : e.bandChosen
          ? t('report.envBandFallback', { lo: i.num(e.bandHz[0], 0), hi: i.num(e.bandHz[1], 0) })
          : t('analysis.envelope.bandTyped', { lo: i.num(e.bandHz[0], 0), hi: i.num(e.bandHz[1], 0) }),
    )}</p>`,
  );
  if (e.defectLines.length) {
    out.push(`<p class="note">${e.defectLines.map((d) => esc(t(d.standsOut ? 'analysis.envelope.lineStandsOut' : 'analysis.envelope.lineDoesNot', { marker: d.label, db: i.num(d.aboveFloorDb, 1) }))).join(' · ')}</p>`);
  }
  return out.join('');
}

const MEANING: Record<string, string> = {
  BPFO: 'analysis.meaning.bpfo',
  BPFI: 'analysis.meaning.bpfi',
  BSF: 'analysis.meaning.bsf',
  FTF: 'analysis.meaning.ftf',
  '1×': 'analysis.meaning.shaft',
};

function envelopeBlock(e: ReportEnvelope, i: I18n): string {
  const t = i.t;
  const about = `${t(e.method === 'rectify' ? 'analysis.envelope.aboutRectify' : 'analysis.envelope.aboutHilbert', { samples: i.num(e.samplesUsed, 0), lo: i.num(e.bandHz[0], 0), hi: i.num(e.bandHz[1], 0), lowPass: i.num(e.lowPassHz, 0) })} ${t(e.segments > 1 ? 'analysis.envelope.averaged' : 'analysis.envelope.oneSegment', { segments: i.num(e.segments, 0), length: i.num(e.segmentLen, 0), binHz: i.num(e.binHz, 2) })}`;
  const snap = t('report.envSnapshot', { when: i.dateTime(e.startMs), seconds: i.num(e.count / e.sampleRateHz, 2), rate: i.num(e.sampleRateHz, 0), channel: e.channel || '—' });
  return `<div class="keep"><h4>${esc(t('report.envelope'))}</h4><p class="note">${esc(snap)}</p>${envelopeWords(e, i)}${envelopeChart(e, i)}<p class="note">${esc(about)} ${esc(t('report.envMarkersKey'))}</p></div>`;
}

/** A known event kind in the report's language; a kind Vigil does not know is shown as stored. */
const kindName = (kind: string, i: I18n) => i.t(`report.eventKind.${kind}`, { defaultValue: kind });

/** A node as the technician named it, with its uid when the name differs (the uid is what is printed on the node). */
function nodeName(m: ReportModel, id: string): string {
  const name = m.nodes.find((n) => n.id === id)?.name;
  return name && name !== id ? `${name} (${id})` : id;
}

function eventBlock(m: ReportModel, e: ReportModel['events'][number], n: number, i: I18n): string {
  const t = i.t;
  const labels = e.labels.length ? e.labels.map((l) => `<li><b>${esc(t(`report.label.${l.label}`))}</b>${l.author ? ` (${esc(l.author)})` : ''}</li>`).join('') : `<li>${esc(t('report.noLabels'))}</li>`;
  const notes = e.labels.map((l) => l.notes).filter((s) => s.trim());
  const env = e.envelope
    ? envelopeBlock(e.envelope, i)
    : e.envelopeProblem
      ? `<p class="empty">${esc(t('report.envelopeFailed', { error: e.envelopeProblem }))}</p>`
      : `<p class="empty">${esc(t('report.noSnapshot'))}</p>`;
  return `<section class="event"><h3>${esc(t('report.event'))} ${n}: ${esc(kindName(e.kind, i))}</h3>
<table><tr><th>${esc(t('report.start'))}</th><td>${esc(i.dateTime(e.startMs))}</td><th>${esc(t('report.end'))}</th><td>${esc(i.dateTime(e.endMs))}</td></tr>
<tr><th>${esc(t('report.node'))}</th><td>${esc(nodeName(m, e.nodeId))}</td><th>${esc(t('report.score'))}</th><td>${e.score === null ? '—' : esc(i.num(e.score, 2))}</td></tr></table>
${e.message ? `<p>${esc(e.message)}</p>` : ''}<h4>${esc(t('report.labels'))}</h4><ul>${labels}</ul>
<h4>${esc(t('report.notes'))}</h4>${notes.length ? notes.map((s) => `<p class="notes">${esc(s)}</p>`).join('') : `<p class="empty">${esc(t('report.noNotes'))}</p>`}
${env}</section>`;
}

/** The page's CSS: the @page margin boxes (header, footer, page numbers) and the print layout. */
export function reportCss(m: ReportModel, i: I18n): string {
  const t = i.t;
  const period = `${i.dateTime(m.fromMs)} – ${i.dateTime(m.toMs)}`;
  const head = `${t('report.site')}: ${m.site || '—'} · ${t('report.asset')}: ${m.asset.name}`;
  const foot = `${t('report.period')}: ${period} · ${t('report.generated')}: ${i.dateTime(m.generatedMs)}`;
  return `@page { size: A4; margin: 22mm 16mm 20mm 16mm;
  @top-left { content: ${cssStr(head)}; font: 9pt sans-serif; }
  @bottom-left { content: ${cssStr(foot)}; font: 8pt sans-serif; }
  @bottom-right { content: ${cssStr(t('report.page'))} " " counter(page) " ${cssStr(t('report.of')).slice(1, -1)} " counter(pages); font: 9pt sans-serif; } }
.vigil-report { font: 10pt/1.35 sans-serif; color: black; background: white; margin: 0; }
.vigil-report h1 { font-size: 18pt; margin: 0 0 4pt; } .vigil-report h2 { font-size: 13pt; border-bottom: 1px solid black; margin-top: 14pt; }
.vigil-report h3 { font-size: 11pt; } .vigil-report h4 { font-size: 10pt; margin: 6pt 0 2pt; }
.vigil-report h2, .vigil-report h3, .vigil-report h4 { break-after: avoid; } .vigil-report .keep { break-inside: avoid; }
.vigil-report table { border-collapse: collapse; margin: 4pt 0; } .vigil-report th, .vigil-report td { border: 1px solid #444; padding: 2pt 5pt; text-align: left; vertical-align: top; }
.vigil-report .meta th { width: 9em; } .vigil-report .empty { font-style: italic; } .vigil-report .note { font-size: 9pt; }
.vigil-report .notes { white-space: pre-wrap; border-left: 2px solid black; padding-left: 6pt; }
.vigil-report .chart { max-width: 100%; break-inside: avoid; } .vigil-report .event { break-inside: avoid-page; }
.vigil-report .legend { list-style: none; padding: 0; font-size: 9pt; }
.vigil-report .rec { white-space: pre-wrap; border: 1px solid black; padding: 6pt; min-height: 4em; }`;
}

/** Which stretch of the trend comes from summaries, in words ("at" when it lies within one printed minute). */
function summarisedWords(st: ReportModel['summarised'][number], i: I18n): string {
  const from = i.dateTime(st.fromMs);
  const to = i.dateTime(st.toMs);
  const kind = st.lenMs >= 60_000 ? 'Minutes' : 'Seconds';
  return from === to ? i.t(`report.summarised${kind}At`, { at: from }) : i.t(`report.summarised${kind}`, { from, to });
}

/** The report's content (no <html>, no style): the app shows it in its page, the print wraps it. */
export function reportBody(m: ReportModel, i: I18n): string {
  const t = i.t;
  const period = `${i.dateTime(m.fromMs)} – ${i.dateTime(m.toMs)}`;
  const zone = m.zone ? t(`report.zone${m.zone}`) : '—';
  const cond = { good: 'conditionGood', watch: 'conditionWatch', alert: 'conditionAlert', unknown: 'conditionUnknown' }[m.condition];
  const trend = { rising: 'trendRising', falling: 'trendFalling', steady: 'trendSteady', unknown: 'trendUnknown' }[m.trend];
  const modelRows = m.models.length
    ? `<table><tr><th>${esc(t('report.model'))}</th><th>${esc(t('report.version'))}</th><th>${esc(t('report.created'))}</th></tr>${m.models.map((r) => `<tr><td>${esc(r.name || r.id)}</td><td>${esc(r.version)}</td><td>${esc(i.dateTime(r.createdMs))}</td></tr>`).join('')}</table>`
    : `<p class="empty">${esc(t('report.noModels'))}</p>`;
  const depRows = m.deployments.length
    ? `<table><tr><th>${esc(t('report.deployment'))}</th><th>${esc(t('report.node'))}</th><th>${esc(t('report.status'))}</th><th>${esc(t('report.created'))}</th></tr>${m.deployments.map((d) => `<tr><td>${esc(d.modelId)}</td><td>${esc(nodeName(m, d.nodeId))}</td><td>${esc(d.status)}${d.message ? `: ${esc(d.message)}` : ''}</td><td>${esc(i.dateTime(d.createdMs))}</td></tr>`).join('')}</table>`
    : `<p class="empty">${esc(t('report.noDeployments'))}</p>`;
  return `<article class="vigil-report">
<h1>${esc(t('report.title'))}</h1>
<table class="meta"><tr><th>${esc(t('report.site'))}</th><td>${esc(m.site || '—')}</td></tr><tr><th>${esc(t('report.asset'))}</th><td>${esc(m.asset.name)}</td></tr>
<tr><th>${esc(t('report.nodes'))}</th><td>${esc(m.nodes.map((n) => n.name).join(', ') || '—')}</td></tr><tr><th>${esc(t('report.period'))}</th><td>${esc(period)}</td></tr>
<tr><th>${esc(t('report.generated'))}</th><td>${esc(i.dateTime(m.generatedMs))}</td></tr></table>
<h2>${esc(t('report.summary'))}</h2>
<table class="meta"><tr><th>${esc(t('report.condition'))}</th><td><b>${esc(t(`report.${cond}`))}</b></td></tr>
<tr><th>${esc(t('report.isoZone'))}</th><td>${esc(zone)}</td></tr>
<tr><th>${esc(t('report.latestVelocity'))}</th><td>${m.latestMmS === null ? '—' : `${esc(i.num(m.latestMmS, 2))} ${esc(t('report.unit.mmS'))}`}</td></tr>
<tr><th>${esc(t('report.trend'))}</th><td>${esc(t(`report.${trend}`))}</td></tr>
<tr><th>${esc(t('report.openEvents'))}</th><td>${esc(i.num(m.openEvents, 0))}</td></tr>
<tr><th>${esc(t('report.windows'))}</th><td>${esc(i.num(m.windows, 0))}</td></tr></table>
<h2>${esc(t('report.velocityTrend'))}</h2>
${m.velocity.length ? velocityChart(m, i) : `<p class="empty">${esc(t('report.noMeasurements'))}</p>`}
${m.summarised.map((st) => `<p class="note summarised">${esc(summarisedWords(st, i))}</p>`).join('')}
<h2>${esc(t('report.spectrum'))}</h2>
${m.spectra.length ? `<div class="keep"><p class="note">${esc(t('report.spectrumNote'))}</p>${spectrumChart(m, i)}${legend(m, i)}</div>` : `<p class="empty">${esc(t('report.noSpectrum'))}</p>`}
<h2>${esc(t('report.events'))}</h2>
${m.events.length ? m.events.map((e, k) => eventBlock(m, e, k + 1, i)).join('\n') : `<p class="empty">${esc(t('report.noEvents'))}</p>`}
<h2>${esc(t('report.models'))}</h2>${modelRows}${depRows}
<h2>${esc(t('report.recommendations'))}</h2>
${m.recommendations.trim() ? `<div class="rec">${esc(m.recommendations)}</div>` : `<p class="empty">${esc(t('report.noRecommendations'))}</p>`}
${m.technician ? `<p>${esc(t('report.technician'))}: ${esc(m.technician)}</p>` : ''}
</article>`;
}

/** The whole page: what the CLI and Electron print. Self-contained: no script, no request. */
export function renderReportHtml(m: ReportModel, i: I18n): string {
  return `<!doctype html><html lang="${i.lang}"><head><meta charset="utf-8"><title>${esc(i.t('report.title'))} — ${esc(m.asset.name)}</title>
<style>
${reportCss(m, i)}
body { margin: 0; }
</style></head><body>
${reportBody(m, i)}
</body></html>`;
}
