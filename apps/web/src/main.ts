// The page: files in, the same device table, findings and drawings as `dmasim report`, all
// computed here by the dmasim packages.
import { ARCH_NAMES, isArchName } from '@dmasim/arch';
import { kernelRelease } from '@dmasim/dma-mapping';
import {
  cpuMapSection,
  deviceSections,
  devicesTable,
  drawDevice,
  escapeXml,
  type Finding,
  findingsTable,
  iommuSections,
  kernelMessages,
  type PlatformView,
  REPORT_CSS,
  renderReportHtml,
} from '@dmasim/report';
import { lintFirmware, platformView } from 'dmasim/browser';
import { EXAMPLE_FILES, EXAMPLES } from './examples.js';
import { type InputFile, loadFirmware } from './firmware.js';
import { DEFAULT_KERNEL, isKernel, KERNELS } from './kernels.js';
import { type PageState, readState, writeState } from './url-state.js';
import './style.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const result = $('result');
const kernelSelect = $<HTMLSelectElement>('kernel');
const archSelect = $<HTMLSelectElement>('arch');
const exampleSelect = $<HTMLSelectElement>('example');
const dropZone = $('drop-zone');
const fileInput = $<HTMLInputElement>('file-input');

const style = document.createElement('style');
style.textContent = REPORT_CSS;
document.head.append(style);

let state: PageState = readState(location.search, { kernel: DEFAULT_KERNEL });
let files: InputFile[] = [];
/** The file to boot when it is not the one pickPrimary() would choose (an example's companions). */
let primary: InputFile | undefined;
let current: { view: PlatformView; findings: Finding[] } | null = null;

function option(value: string, label = value): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

kernelSelect.append(...KERNELS.map((k) => option(k)));
archSelect.append(option('auto', 'from the firmware'), ...ARCH_NAMES.map((a) => option(a)));
exampleSelect.append(option('', 'choose...'), ...EXAMPLES.map((e) => option(e.name)));

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function pushState(): void {
  history.replaceState(null, '', writeState(state));
}

function render(): void {
  if (!current) return;
  const { view, findings } = current;
  const selected = view.devices.find((d) => d.path === state.device) ?? null;
  const memory = view.memory ? cpuMapSection(view.memory) : '<p>No memory map.</p>';
  const errors = findings.filter((f) => f.severity === 'error').length;
  result.innerHTML = `
<h2>Findings</h2>${findingsTable(findings)}
<h2>Devices</h2><p>Click a device to draw what it reaches.</p>${devicesTable(view.devices, state.device ?? undefined)}
<section id="selected-device">${
    selected ? `<h2>${escapeXml(selected.path)}</h2>${drawDevice(selected, view.memory)}` : ''
  }</section>
<h2>CPU physical map</h2>${memory}
<h2>What each device reaches</h2>${deviceSections(view)}
<h2>IOVA space behind the IOMMU</h2>${iommuSections(view)}
<h2>Kernel messages</h2>${kernelMessages(view)}`;
  setStatus(
    `${view.source}: ${view.devices.length} devices, kernel ${view.kernel}, ${view.arch}; ${findings.length} findings (${errors} errors)`,
  );
  for (const b of ['download-json', 'download-html']) $<HTMLButtonElement>(b).disabled = false;
}

function boot(): void {
  if (files.length === 0) return;
  try {
    const { firmware: fw, platformFile } = loadFirmware(files, primary);
    const kernel = kernelRelease(isKernel(state.kernel) ? state.kernel : DEFAULT_KERNEL);
    const view = platformView(fw, {
      kernel,
      ...(state.arch !== 'auto' && isArchName(state.arch) ? { arch: state.arch } : {}),
      ...(platformFile ? { platformFile } : {}),
    });
    current = { view, findings: lintFirmware(fw, view, kernel) };
    render();
  } catch (e) {
    current = null;
    result.innerHTML = '';
    const err = e as Error;
    setStatus(`${err.name}: ${err.message}`, true);
  }
}

async function openFiles(list: readonly File[]): Promise<void> {
  files = await Promise.all(
    list.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
  primary = undefined;
  state = { ...state, example: null, device: null };
  exampleSelect.value = '';
  pushState();
  boot();
}

async function openExample(name: string): Promise<void> {
  const example = EXAMPLE_FILES.get(name);
  if (!example) return setStatus(`no bundled example ${name}`, true);
  // An ACPI platform file names its IORT (binary or spec) beside it: bring the other bundled
  // top-level files along, and boot the example itself.
  const companions = name.endsWith('.dts')
    ? []
    : [...EXAMPLE_FILES.values()].filter(
        (f) => f.name !== name && !f.name.includes('/') && /\.(bin|ya?ml)$/.test(f.name),
      );
  files = await Promise.all(
    [example, ...companions].map(async (f) => ({ name: f.name, bytes: await f.load() })),
  );
  primary = files[0];
  state = { ...state, example: name };
  exampleSelect.value = name;
  pushState();
  boot();
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

const stem = () => (current?.view.source.split('/').at(-1) ?? 'dmasim').replace(/\.[^.]+$/, '');

$('download-json').addEventListener('click', () => {
  if (current)
    download(`${stem()}.dmasim.json`, 'application/json', `${JSON.stringify(current, null, 2)}\n`);
});
$('download-html').addEventListener('click', () => {
  if (current)
    download(
      `${stem()}.report.html`,
      'text/html',
      renderReportHtml(current.view, current.findings),
    );
});

kernelSelect.addEventListener('change', () => {
  state = { ...state, kernel: kernelSelect.value };
  pushState();
  boot();
});
archSelect.addEventListener('change', () => {
  state = { ...state, arch: archSelect.value };
  pushState();
  boot();
});
exampleSelect.addEventListener('change', () => {
  if (exampleSelect.value) void openExample(exampleSelect.value);
});
fileInput.addEventListener('change', () => {
  if (fileInput.files?.length) void openFiles([...fileInput.files]);
});
dropZone.addEventListener('dragover', (e) => {
  e.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('dragging');
  if (e.dataTransfer?.files.length) void openFiles([...e.dataTransfer.files]);
});
result.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest('table.devices tr[data-device]');
  if (!row) return;
  state = { ...state, device: row.getAttribute('data-device') };
  pushState();
  render();
});

if (!isKernel(state.kernel)) state = { ...state, kernel: DEFAULT_KERNEL };
kernelSelect.value = state.kernel;
archSelect.value = state.arch;
if (state.example) void openExample(state.example);
else setStatus('Drop a firmware file or choose an example.');
