/**
 * "Connect Bluetooth node": Web Bluetooth's device chooser filtered to the Nordic UART Service, then
 * the renderer carries the link (../ble/nus.ts). In the Electron app there is no browser chooser:
 * main/ sends 'ble.devices' as the scan finds devices, and DevicePicker lists them (with Cancel);
 * in a browser, the browser shows its own chooser.
 */
import { useCallback, useEffect, useState } from 'react';
import type { BleDeviceChoice } from '../../../models/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { connectBluetoothNode } from '../ble/nus';
import { webBluetooth } from '../ble/webBluetooth';
import { t } from '../i18n';

export function bluetoothProblem(): string | null {
  if (!webBluetooth()) {
    return typeof window !== 'undefined' && !window.isSecureContext
      ? t('nodes.ble.insecure')
      : t('nodes.ble.noWebBluetooth');
  }
  return null;
}

export function BleConnect({ client }: { client: VigilClient }) {
  const problem = bluetoothProblem();
  const [picker, setPicker] = useState<{ requestId: string; devices: BleDeviceChoice[] } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const run = useCallback(async () => {
    setResult(null);
    const bt = webBluetooth();
    if (!bt) throw new Error(bluetoothProblem() ?? 'No Web Bluetooth');
    try {
      const node = await connectBluetoothNode(client, bt);
      setResult(node ? t('nodes.ble.connectedTo', { name: node.hello?.name || node.path }) : t('nodes.ble.cancelled'));
      return node;
    } finally {
      setPicker(null);
    }
  }, [client]);
  const action = useAction(run);

  useEffect(
    () =>
      client.on('ble.devices', (m) => {
        // A repeat for the same request is the same list, grown: it replaces the one shown.
        setPicker({ requestId: m.requestId, devices: m.devices });
      }),
    [client],
  );

  return (
    <div className="ble-connect">
      <button type="button" onClick={() => void action.start()} disabled={problem !== null || action.busy} data-testid="ble-connect">
        {action.busy ? t('nodes.ble.connecting') : t('nodes.ble.connect')}
      </button>
      {problem && (
        <p className="muted small" data-testid="ble-unavailable">
          {problem}
        </p>
      )}
      {result && <p className="muted small">{result}</p>}
      {action.error && (
        <p className="error" role="alert">
          {action.error}
        </p>
      )}
      {picker && action.busy && <DevicePicker client={client} picker={picker} />}
    </div>
  );
}

export function DevicePicker({ client, picker }: { client: VigilClient; picker: { requestId: string; devices: BleDeviceChoice[] } }) {
  const choose = useAction(useCallback((deviceId: string | null) => client.invoke('ble.select', { requestId: picker.requestId, deviceId }), [client, picker.requestId]));
  return (
    <div className="modal-backdrop">
      <div className="modal picker" role="dialog" aria-modal="true" aria-labelledby="ble-picker-title" data-testid="ble-picker">
        <div className="modal-head">
          <h3 id="ble-picker-title">{t('nodes.ble.choose')}</h3>
        </div>
        <p className="muted small">{t('nodes.ble.inRange')}</p>
        {picker.devices.length === 0 ? (
          <p className="empty">{t('nodes.ble.scanning')}</p>
        ) : (
          <ul className="device-list">
            {picker.devices.map((d) => (
              <li key={d.deviceId}>
                <span>
                  <strong>{d.name}</strong> <span className="mono muted small">{d.deviceId}</span>
                </span>
                <button type="button" className="primary" disabled={choose.busy} onClick={() => void choose.start(d.deviceId)}>
                  {t('common.connect')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {choose.error && (
          <p className="error" role="alert">
            {choose.error}
          </p>
        )}
        <div className="modal-foot">
          <button type="button" onClick={() => void choose.start(null)} disabled={choose.busy}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}
