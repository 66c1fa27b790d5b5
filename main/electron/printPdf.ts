/**
 * printToPDF of a maintenance report page (models/report/html.ts) for the 'report.pdf' request:
 * a hidden window in its own session, JavaScript off, no preload, every request but the page's
 * own data: URL refused, so printing can neither run code nor reach the network. Chromium prints
 * the page's @page header, footer and page numbers (docs/report.md, "Paper").
 */
import { BrowserWindow, session } from 'electron';

const PARTITION = 'vigil-report-print';

export async function printReportPdf(html: string): Promise<Uint8Array> {
  const ses = session.fromPartition(PARTITION, { cache: false });
  ses.webRequest.onBeforeRequest((details, cb) => cb({ cancel: !details.url.startsWith('data:') }));
  const win = new BrowserWindow({
    show: false,
    webPreferences: { session: ses, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, webviewTag: false },
  });
  try {
    await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`);
    const pdf = await win.webContents.printToPDF({ preferCSSPageSize: true, printBackground: true });
    return new Uint8Array(pdf);
  } finally {
    win.destroy();
  }
}
