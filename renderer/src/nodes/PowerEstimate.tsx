/**
 * The power estimate of the configuration being edited (models/power, docs/power.md): one line
 * that follows the draft (hop, band energies) and this link's stream, and a disclosure with the
 * breakdown, the battery capacity and every figure's source.
 */
import { useState } from 'react';
import type { NodeConfig, NodeInfo, StreamSettings } from '../../../models/api/contract';
import { ASSUMED, DATASHEET, DEFAULT_BATTERY_MAH, estimatePower, FIRMWARE, MEASURED, type PowerPartId, type PowerStream } from '../../../models/power';
import { formatBytes, formatCount, formatFixed, formatNumber } from '../format';
import { t } from '../i18n';
import type { ConfigDraft } from './controlLogic';

const PARTS: PowerPartId[] = ['mcuActive', 'mcuSleep', 'sensor', 'radio'];
const pct = (x: number) => `${formatNumber(100 * x, 1)} %`;

function streamOf(s: StreamSettings): PowerStream {
  return s.features && s.raw ? 'both' : s.raw ? 'raw' : s.features ? 'features' : 'off';
}

export function PowerEstimate({ node, cfg, draft }: { node: NodeInfo; cfg: NodeConfig; draft: ConfigDraft }) {
  const [battery, setBattery] = useState(String(DEFAULT_BATTERY_MAH));
  const settings: StreamSettings = node.stream ?? node.hello?.info?.stream ?? { features: true, raw: false, rawDecimation: 1 };
  const stream = streamOf(settings);
  const hop = Number(draft.hop);
  const mah = Number(battery);
  const hopOk = /^\d+$/.test(draft.hop.trim()) && hop >= 1 && hop <= cfg.windowLen;
  const batteryOk = battery.trim() !== '' && Number.isFinite(mah) && mah > 0 && mah <= 1e6;
  const link = node.link === 'ble' ? 'ble' : 'wired';
  const e =
    hopOk && cfg.axisCount >= 1 && cfg.axisCount <= 3
      ? estimatePower({ sampleRateHz: cfg.sampleRateHz, hop, axes: cfg.axisCount, stream, rawDecimation: settings.rawDecimation, sendBands: draft.sendBands, link, batteryMah: batteryOk ? mah : DEFAULT_BATTERY_MAH })
      : null;
  const ma = (x: number) => `${formatFixed(x, 2)} mA`;

  return (
    <div className="power-estimate" data-testid="power-estimate">
      <p className="small" data-testid="power-line" aria-live="polite">
        {e
          ? t('power.line', { ma: formatFixed(e.totalMa, 1), mw: formatCount(e.totalMw), hours: formatCount(e.batteryHours), days: formatNumber(e.batteryHours / 24, 1), mah: formatCount(batteryOk ? mah : DEFAULT_BATTERY_MAH) })
          : t('power.badHop')}
      </p>
      {node.hello && node.hello.board !== 'stm32f405' && (
        <p className="muted small" data-testid="power-board">
          {t('power.notStm32', { board: node.hello.board })}
        </p>
      )}
      {e && e.overloaded && <p className="small error">{t('power.overloaded')}</p>}
      {e && e.overcommitted && <p className="small error">{t('power.overcommitted')}</p>}
      <details data-testid="power-details">
        <summary>{t('power.details')}</summary>
        <label>
          {t('power.battery')} <span className="hint">{t('power.batteryHint', { default: formatCount(DEFAULT_BATTERY_MAH) })}</span>
          <input
            type="number"
            min={1}
            step="any"
            value={battery}
            onChange={(ev) => setBattery(ev.target.value)}
            onKeyDown={(ev) => ev.key === 'Enter' && ev.preventDefault()}
            data-testid="power-battery"
          />
        </label>
        {!batteryOk && <p className="error small">{t('power.badBattery')}</p>}
        <p className="muted small">{t('power.streamNow', { what: t(`power.stream.${stream}`, { d: settings.rawDecimation }) })}</p>
        {e && (
          <>
            <table className="data-table small" data-testid="power-breakdown">
              <tbody>
                {PARTS.map((p) => (
                  <tr key={p}>
                    <th scope="row">{p === 'radio' && link === 'wired' ? t('power.part.radioWired') : t(`power.part.${p}`)}</th>
                    <td className="num" data-testid={`power-${p}`}>
                      {ma(e.parts[p])}
                    </td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">{t('power.part.total')}</th>
                  <td className="num" data-testid="power-total">
                    {ma(e.totalMa)} · {formatCount(e.totalMw)} mW
                  </td>
                </tr>
              </tbody>
            </table>
            <p className="small">{t('power.busy', { total: pct(e.activeFraction), compute: pct(e.active.computeFraction), spi: pct(e.active.spiFraction), uart: pct(e.active.uartFraction) })}</p>
            <p className="small">{t('power.link', { asked: formatBytes(e.bytesPerS), max: formatBytes(e.linkCapacityBytesPerS) })}</p>
          </>
        )}
        <h6>{t('power.sources')}</h6>
        <ul className="small" data-testid="power-sources">
          <li>{t('power.measured', { insn: formatCount(MEASURED.insnWindowTotal), command: MEASURED.benchCommand, date: MEASURED.benchDate, mhz: formatCount(FIRMWARE.clockHz / 1e6) })}</li>
          {Object.entries(DATASHEET).map(([k, d]) => (
            <li key={k}>
              {t(`power.datasheet.${k}`)}: {formatNumber(d.mA, 2)} mA — <span translate="no">{d.source}</span>
              {!d.checked && <em> ({t('power.unchecked')})</em>}
            </li>
          ))}
          {Object.entries(ASSUMED).map(([k, v]) => (
            <li key={k}>
              {t('power.assumedTitle')}: {t(`power.assumed.${k}`)} = {formatNumber(v, 2)}
            </li>
          ))}
        </ul>
        <p className="muted small">{t('power.limits')}</p>
      </details>
    </div>
  );
}
