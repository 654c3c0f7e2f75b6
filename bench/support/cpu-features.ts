import { existsSync, readFileSync } from 'node:fs';

/** The vector extensions that decide native kernel speed: ONNX Runtime picks AVX-512 (and VNNI) or AVX2 kernels. */
export function simdFeatures(): string[] {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1].split(/\s+/) ?? []);
  return ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni'].filter((flag) => flags.has(flag));
}

/**
 * fp32 peak of one core, GFLOP/s, where it was measured: 240 with AVX-512 fused multiply-add on the development
 * machines of issue #7. Hosts without AVX-512 have no measured peak (undefined), rather than a guessed one.
 */
export function measuredPeakGflopsPerCore(): number | undefined {
  return simdFeatures().includes('avx512f') ? 240 : undefined;
}
