/**
 * Two small canvas charts for the Training page: the loss curve while training, and the score
 * distributions (held-out normal vs each anomaly label) with the threshold. Drawn directly on a
 * canvas: a few hundred points, redrawn when the data changes.
 */
import { useEffect, useRef } from 'react';
import { logHistogram } from '../../../models/eval/report';
import type { EpochPoint } from './protocol';
import { formatNumber } from '../format';
import { t } from '../i18n';

const COLORS = ['#2563eb', '#dc2626', '#d97706', '#7c3aed', '#059669', '#db2777', '#0891b2', '#65a30d', '#9333ea', '#ea580c', '#0d9488', '#be123c', '#4f46e5', '#a16207'];

function setup(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const h = canvas.clientHeight || 200;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '11px system-ui, sans-serif';
  return g;
}

export function LossChart({ points }: { points: EpochPoint[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const g = setup(c);
    const w = c.clientWidth || 600;
    const h = c.clientHeight || 200;
    if (points.length === 0) return;
    const vals = points.flatMap((p) => [p.loss, p.valLoss ?? p.loss]).filter((x) => x > 0);
    const lo = Math.log10(Math.min(...vals));
    const hi = Math.log10(Math.max(...vals));
    const span = hi - lo || 1;
    const X = (e: number) => 40 + ((e - 1) / Math.max(1, points[points.length - 1].epoch - 1)) * (w - 50);
    const Y = (v: number) => 10 + (1 - (Math.log10(v) - lo) / span) * (h - 30);
    g.strokeStyle = '#ccc';
    g.strokeRect(40, 10, w - 50, h - 30);
    g.fillStyle = '#555';
    g.fillText(formatNumber(Number(Math.max(...vals).toPrecision(3)), 6), 2, 18);
    g.fillText(formatNumber(Number(Math.min(...vals).toPrecision(3)), 6), 2, h - 20);
    g.fillText(t('training.chart.epoch'), w - 40, h - 4);
    const line = (get: (p: EpochPoint) => number | null, color: string) => {
      g.strokeStyle = color;
      g.lineWidth = 1.5;
      g.beginPath();
      let started = false;
      for (const p of points) {
        const v = get(p);
        if (v === null || !(v > 0)) continue;
        if (started) g.lineTo(X(p.epoch), Y(v));
        else g.moveTo(X(p.epoch), Y(v));
        started = true;
      }
      g.stroke();
    };
    line((p) => p.loss, COLORS[0]);
    line((p) => p.valLoss, COLORS[1]);
    g.fillStyle = COLORS[0];
    g.fillText(t('training.chart.loss'), 50, 22);
    g.fillStyle = COLORS[1];
    g.fillText(t('training.chart.valLoss'), 140, 22);
  }, [points]);
  return <canvas ref={ref} className="training-chart" data-testid="loss-chart" data-points={points.length} />;
}

/** Histograms of scores on shared log-spaced bins, one line per group, and the threshold. */
export function ScorePlot({ groups, threshold }: { groups: Record<string, number[]>; threshold: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const g = setup(c);
    const w = c.clientWidth || 600;
    const h = c.clientHeight || 220;
    const { edges, counts } = logHistogram({ ...groups, __t: [threshold] }, 50);
    delete counts.__t;
    if (edges.length === 0) return;
    const lo = Math.log10(edges[0]);
    const hi = Math.log10(edges[edges.length - 1]);
    const X = (v: number) => 40 + ((Math.log10(v) - lo) / (hi - lo || 1)) * (w - 50);
    g.strokeStyle = '#ccc';
    g.strokeRect(40, 10, w - 50, h - 40);
    g.fillStyle = '#555';
    g.fillText(formatNumber(Number(edges[0].toPrecision(2)), 6), 40, h - 16);
    g.fillText(formatNumber(Number(edges[edges.length - 1].toPrecision(2)), 6), w - 50, h - 16);
    g.fillText(t('training.chart.score'), w / 2 - 40, h - 4);
    Object.entries(counts).forEach(([name, cs], k) => {
      const total = cs.reduce((a, b) => a + b, 0) || 1;
      const peak = Math.max(...cs.map((x) => x / total)) || 1;
      g.strokeStyle = COLORS[k % COLORS.length];
      g.lineWidth = name === 'held-out normal' ? 2.5 : 1.2;
      g.beginPath();
      cs.forEach((cnt, b) => {
        const x = X(Math.sqrt(edges[b] * edges[b + 1]));
        const y = 10 + (1 - cnt / total / peak) * (h - 40);
        if (b === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      g.stroke();
      g.fillStyle = COLORS[k % COLORS.length];
      g.fillText(name, 50 + (k % 3) * 190, 22 + Math.floor(k / 3) * 12);
    });
    g.strokeStyle = '#111';
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(X(threshold), 10);
    g.lineTo(X(threshold), h - 30);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#111';
    g.fillText(t('training.chart.threshold'), X(threshold) + 3, h - 34);
  }, [groups, threshold]);
  return <canvas ref={ref} className="training-chart tall" data-testid="score-plot" />;
}
