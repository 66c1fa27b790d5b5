/**
 * Prints report HTML to PDF with headless Chromium (playwright-core, a runtime dependency for this
 * reason: docs/report.md, "Printing"). The browser is the system Chromium (/usr/bin/chromium, the
 * one setup-system.sh installs) unless VIGIL_CHROMIUM names another.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export class PdfError extends Error {
  override name = 'PdfError';
}

export function chromiumPath(): string {
  const candidates = [process.env.VIGIL_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PdfError('no Chromium found to print the PDF: install chromium (scripts/setup-system.sh) or set VIGIL_CHROMIUM to its path');
  return found;
}

export async function htmlToPdf(html: string): Promise<Uint8Array> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    // The page is self-contained: any request it would make is refused, so nothing leaves the laptop.
    await page.route('**/*', (r) => (r.request().url().startsWith('data:') ? r.continue() : r.abort()));
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ preferCSSPageSize: true, printBackground: true });
  } finally {
    await browser.close();
  }
}
