// The built page and a generated report in headless Chromium (Debian's, through playwright-core;
// nothing is downloaded). Any console error, page error or failed request fails the test.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelRelease } from '@dmasim/dma-mapping';
import { parseDts, parseFdt, withBootloaderMemory } from '@dmasim/of';
import type { PlatformView } from '@dmasim/report';
import { parsePlatformFile, platformView } from 'dmasim/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const simDir = resolve(webDir, '../sim');
const outDir = join(webDir, 'test-output');
const corpusDir = resolve(webDir, '../../../shared/corpus');
const rpi4 = join(corpusDir, 'dtb/broadcom__bcm2711-rpi-4-b.dtb');
const exampleSoc = join(simDir, 'examples/example-soc.dts');

const chromiumPath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!chromiumPath) {
  console.log('browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)');
}
const hasCorpus = existsSync(rpi4);
if (!hasCorpus) console.log(`corpus browser tests skipped: no ${rpi4}`);

/** What the page must show for the example SoC, computed by the same packages in Node. */
function expectedView(): PlatformView {
  const tree = parseDts(readFileSync(exampleSoc, 'utf8'), { fileName: 'example-soc.dts' });
  return platformView({ kind: 'dt', source: 'example-soc.dts', tree }, { kernel: kernelRelease() });
}

/** Collects console errors, page errors, failed requests and HTTP errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

/** A real drop: a DataTransfer with the file, dispatched on the drop zone. */
async function dropFile(page: Page, path: string): Promise<void> {
  const name = path.split('/').at(-1)!;
  const b64 = readFileSync(path).toString('base64');
  await page.evaluate(
    ({ name, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], name));
      const zone = document.getElementById('drop-zone')!;
      zone.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      );
    },
    { name, b64 },
  );
}

const deviceRows = (page: Page) =>
  page
    .locator('table.devices tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device')));

describe.skipIf(!chromiumPath)('the page in headless Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    server = await preview({
      root: webDir,
      logLevel: 'silent',
      preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    });
    url = server.resolvedUrls!.local[0]!;
    // Chromium's sandbox cannot start as root (CI runs as root).
    const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    browser = await chromium.launch({ executablePath: chromiumPath!, args });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(search = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(`${url}${search}`);
    return { page, problems };
  }

  it('drops the example SoC: device table and a labelled shape for every dma-ranges window', async () => {
    const { page, problems } = await open();
    await expect(page.locator('#example option').count()).resolves.toBeGreaterThan(10);
    await dropFile(page, exampleSoc);
    await page.locator('table.devices').waitFor();
    const view = expectedView();
    expect(await deviceRows(page)).toEqual(view.devices.map((d) => d.path));
    await expect(
      page.locator('table.findings tr[data-rule="untranslatable-dma-ranges"]').count(),
    ).resolves.toBe(1);

    const withWindows = view.devices.filter((d) => d.rangeMap && d.rangeMap.length > 0);
    expect(withWindows.length).toBeGreaterThan(5);
    for (const dev of withWindows) {
      await page.locator(`table.devices tr[data-device="${dev.path}"]`).click();
      const figure = page.locator('#selected-device svg[data-figure="device"]');
      await expect(figure.getAttribute('data-device')).resolves.toBe(dev.path);
      expect(new URL(page.url()).searchParams.get('device')).toBe(dev.path);
      for (const w of dev.rangeMap!) {
        const sel = `[data-dma-start="${w.dmaStart}"][data-cpu-start="${w.cpuStart}"][data-size="${w.size}"]`;
        for (const [side, start, axis] of [
          ['bus', w.dmaStart, 'bus'],
          ['cpu', w.cpuStart, 'cpu'],
        ] as const) {
          const shape = figure.locator(`rect.win-${side}${sel}`);
          await expect(shape.count()).resolves.toBe(1);
          // Labelled: a hover title with the exact addresses, and the start drawn in the shape.
          const title = await shape.locator('title').textContent();
          expect(title).toContain(`bus ${w.dmaStart}-`);
          expect(title).toContain(`CPU ${w.cpuStart}-`);
          expect(await shape.locator('xpath=..').locator('text.label').textContent()).toContain(
            start,
          );
          // At the right place: the shape starts at its address's tick on the right axis.
          const tickX = await figure
            .locator(`g[data-axis="${axis}"] line[data-addr="${start}"]`)
            .getAttribute('x1');
          expect(Number(await shape.getAttribute('x'))).toBeCloseTo(Number(tickX), 1);
        }
      }
    }
    await page.locator('table.devices tr[data-device="/soc/dma-controller@7e007000"]').click();
    // The README's picture: the controls, the findings, the table and the selected device.
    await page.setViewportSize({ width: 1280, height: 1450 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(outDir, 'page-example-soc.png'), fullPage: false });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens every bundled example from the menu', async () => {
    const { page, problems } = await open();
    const names = await page
      .locator('#example option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(names).toContain('bad/chain-broken.dts');
    for (const name of names) {
      await page.locator('#example').selectOption(name);
      await page
        .locator('#status')
        .filter({ hasText: name.split('/').at(-1)! })
        .waitFor();
      await expect(page.locator('#status.error').count(), name).resolves.toBe(0);
      await expect(page.locator('table.devices tbody tr').count(), name).resolves.toBeGreaterThan(
        0,
      );
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps kernel, arch and device in the URL, and reopens a bundled example from it', async () => {
    const { page, problems } = await open();
    await page.locator('#example').selectOption('example-soc.dts');
    await page.locator('table.devices').waitFor();
    await page.locator('#kernel').selectOption('6.7');
    await page.locator('#arch').selectOption('arm64');
    await page.locator('table.devices tr[data-device="/bus@fe000000/video-codec@0"]').click();
    const search = new URL(page.url()).search;
    expect(Object.fromEntries(new URLSearchParams(search))).toEqual({
      kernel: '6.7',
      arch: 'arm64',
      example: 'example-soc.dts',
      device: '/bus@fe000000/video-codec@0',
    });
    // 6.7 rounds the size written as a mask up and warns about it.
    await expect(page.locator('.kernel-log').textContent()).resolves.toContain(
      'Invalid size 0xffffffff for dma-range(s)',
    );
    await page.reload();
    await page.locator('#selected-device svg').waitFor();
    await expect(page.locator('#kernel').inputValue()).resolves.toBe('6.7');
    await expect(page.locator('#arch').inputValue()).resolves.toBe('arm64');
    await expect(page.locator('tr.selected').getAttribute('data-device')).resolves.toBe(
      '/bus@fe000000/video-codec@0',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens the ACPI example with its IORT, and downloads the HTML report', async () => {
    const { page, problems } = await open();
    await page.locator('#example').selectOption('example-acpi.platform.yaml');
    await page.locator('table.devices').waitFor();
    expect(await deviceRows(page)).toContain('\\_SB_.DMA0');
    await expect(
      page.locator('table.findings tr[data-rule="iort-memory-limit-zero"]').count(),
    ).resolves.toBe(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-html').click(),
    ]);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('\\_SB_.ETH0');
    expect(problems).toEqual([]);
    await page.close();
  });

  it.skipIf(!hasCorpus)(
    'takes a real board blob and its platform file picked from disk',
    async () => {
      const { page, problems } = await open();
      const platform = join(simDir, 'examples/rpi4-4g.platform.yaml');
      await page.locator('#file-input').setInputFiles([rpi4, platform]);
      await page.locator('table.devices').waitFor();
      // The same boot in Node: the blob with the RAM its firmware writes, from the platform file.
      const platformFile = parsePlatformFile(readFileSync(platform, 'utf8'), platform);
      const tree = withBootloaderMemory(
        parseFdt(new Uint8Array(readFileSync(rpi4))),
        platformFile.memory ?? [],
      );
      const view = platformView(
        { kind: 'dt', source: 'rpi4', tree },
        { kernel: kernelRelease(), platformFile },
      );
      expect(await deviceRows(page)).toEqual(view.devices.map((d) => d.path));
      const ram = view.memory!.ram;
      expect(ram.length).toBeGreaterThan(0);
      for (const bank of ram) {
        await expect(
          page
            .locator(
              `svg[data-figure="cpu-map"] rect.ram[data-start="${bank.start}"][data-end="${bank.end}"]`,
            )
            .count(),
        ).resolves.toBe(1);
      }
      // The eMMC's 30-bit window covers the first GiB: all of bank 0 (948 MiB), none of bank 1.
      await page.locator('table.devices tr[data-device="/emmc2bus/mmc@7e340000"]').click();
      const figure = page.locator('#selected-device svg');
      const reach = await figure
        .locator('rect.reach')
        .evaluateAll((rs) =>
          rs.map((r) => [r.getAttribute('data-start'), r.getAttribute('data-end')]),
        );
      expect(reach).toEqual([[ram[0]!.start, ram[0]!.end]]);
      const bounced = await figure
        .locator('rect.noreach')
        .evaluateAll((rs) =>
          rs.map((r) => [r.getAttribute('data-start'), r.getAttribute('data-end')]),
        );
      expect(bounced).toEqual(ram.slice(1).map((b) => [b.start, b.end]));
      await page.screenshot({ path: join(outDir, 'page-rpi4.png'), fullPage: false });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  const reports: [name: string, input: string][] = [['example-soc', exampleSoc]];
  if (hasCorpus) reports.push(['rpi4', rpi4]);
  it.each(reports)(
    'opens the report `dmasim report` writes for %s with no console error',
    async (name, input) => {
      const out = join(outDir, `report-${name}.html`);
      execFileSync(process.execPath, [join(simDir, 'dist/cli.cjs'), 'report', input, '-o', out]);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems = watch(page);
      await page.goto(`file://${out}`);
      await expect(page.locator('svg').count()).resolves.toBeGreaterThan(1);
      await expect(page.locator('table.devices tbody tr').count()).resolves.toBeGreaterThan(10);
      await page.screenshot({ path: join(outDir, `report-${name}.png`), fullPage: false });
      expect(problems).toEqual([]);
      await page.close();
    },
  );
});
