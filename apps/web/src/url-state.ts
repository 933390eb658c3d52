// The page's state in its URL: kernel, arch, selected device and the open example.

export interface PageState {
  kernel: string;
  arch: string;
  device: string | null;
  example: string | null;
}

export function readState(search: string, defaults: { kernel: string }): PageState {
  const q = new URLSearchParams(search);
  return {
    kernel: q.get('kernel') ?? defaults.kernel,
    arch: q.get('arch') ?? 'auto',
    device: q.get('device'),
    example: q.get('example'),
  };
}

export function writeState(state: PageState): string {
  const q = new URLSearchParams();
  q.set('kernel', state.kernel);
  if (state.arch !== 'auto') q.set('arch', state.arch);
  if (state.example) q.set('example', state.example);
  if (state.device) q.set('device', state.device);
  return `?${q.toString()}`;
}
