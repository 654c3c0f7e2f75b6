import { type PadimModel } from './padim';
import { type PatchCoreModel } from './patchcore';

export type AnomalyModel = PadimModel | PatchCoreModel;

export class AnomalyModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnomalyModelFormatError';
  }
}

/** File signature and version of the stored statistics ("Linescope anomaly", format 1). */
const MAGIC = 'LSAN';
const VERSION = 1;

interface Header {
  version: number;
  kind: AnomalyModel['kind'];
  grid: AnomalyModel['grid'];
  arrays: { name: string; dtype: 'float32' | 'int32'; length: number }[];
  reweightNeighbours?: number;
  bankSize?: number;
}

function arraysOf(model: AnomalyModel): [string, Float32Array | Int32Array][] {
  return model.kind === 'padim'
    ? [
        ['channels', model.channels],
        ['mean', model.mean],
        ['precision', model.precision],
      ]
    : [['bank', model.bank]];
}

/**
 * One binary object holding a fitted model's statistics: `LSAN`, a little-endian u32 header length, a JSON header
 * (kind, grid, array names, types and lengths), then the arrays, each starting on a 4-byte boundary.
 */
export function encodeAnomalyModel(model: AnomalyModel): Buffer {
  const arrays = arraysOf(model);
  const header: Header = {
    version: VERSION,
    kind: model.kind,
    grid: model.grid,
    arrays: arrays.map(([name, values]) => ({
      name,
      dtype: values instanceof Int32Array ? 'int32' : 'float32',
      length: values.length,
    })),
    ...(model.kind === 'patchcore'
      ? { reweightNeighbours: model.reweightNeighbours, bankSize: model.bankSize }
      : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerEnd = 8 + json.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const total = dataStart + arrays.reduce((sum, [, values]) => sum + values.byteLength, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let offset = dataStart;
  for (const [, values] of arrays) {
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, offset);
    offset += values.byteLength;
  }
  return out;
}

const positiveInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** Reads what `encodeAnomalyModel` wrote, refusing anything whose shapes do not agree with its grid. */
export function decodeAnomalyModel(bytes: Uint8Array): AnomalyModel {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || buffer.toString('ascii', 0, 4) !== MAGIC) {
    throw new AnomalyModelFormatError('not a Linescope anomaly model (no LSAN signature)');
  }
  const headerLength = buffer.readUInt32LE(4);
  if (8 + headerLength > buffer.length) throw new AnomalyModelFormatError('the header runs past the end');
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', 8, 8 + headerLength)) as Header;
  } catch {
    throw new AnomalyModelFormatError('the header is not JSON');
  }
  if (header.version !== VERSION) {
    throw new AnomalyModelFormatError(
      `format version ${header.version} is not supported (expected ${VERSION})`,
    );
  }
  const { grid } = header;
  if (!grid || ![grid.height, grid.width, grid.depth].every(positiveInteger)) {
    throw new AnomalyModelFormatError('the grid must have a positive height, width and depth');
  }
  let offset = Math.ceil((8 + headerLength) / 4) * 4;
  const arrays = new Map<string, Float32Array | Int32Array>();
  for (const { name, dtype, length } of header.arrays ?? []) {
    if (!Number.isInteger(length) || length < 0 || offset + length * 4 > buffer.length) {
      throw new AnomalyModelFormatError(`array ${name} runs past the end of the file`);
    }
    const copy = new Uint8Array(buffer.subarray(offset, offset + length * 4));
    arrays.set(name, dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer));
    offset += length * 4;
  }
  const positions = grid.height * grid.width;
  const sized = <T extends Float32Array | Int32Array>(
    name: string,
    length: number,
    type: new (n: number) => T,
  ) => {
    const values = arrays.get(name);
    if (!(values instanceof type) || values.length !== length) {
      throw new AnomalyModelFormatError(
        `${name} holds ${values?.length ?? 0} values; a ${grid.height}x${grid.width}x${grid.depth} ${header.kind} model needs ${length}`,
      );
    }
    return values;
  };
  if (header.kind === 'padim') {
    const channels = arrays.get('channels');
    const kept = channels?.length ?? 0;
    if (!(channels instanceof Int32Array) || kept === 0 || kept > grid.depth) {
      throw new AnomalyModelFormatError(`a PaDiM model keeps between 1 and ${grid.depth} channels`);
    }
    if (channels.some((channel) => channel < 0 || channel >= grid.depth)) {
      throw new AnomalyModelFormatError('a kept channel lies outside the feature depth');
    }
    return {
      kind: 'padim',
      grid,
      channels,
      mean: sized('mean', positions * kept, Float32Array),
      precision: sized('precision', positions * kept * kept, Float32Array),
    };
  }
  if (header.kind === 'patchcore') {
    if (!positiveInteger(header.bankSize) || !positiveInteger(header.reweightNeighbours)) {
      throw new AnomalyModelFormatError('a PatchCore model needs a positive bank size and neighbour count');
    }
    return {
      kind: 'patchcore',
      grid,
      bank: sized('bank', header.bankSize * grid.depth, Float32Array),
      bankSize: header.bankSize,
      reweightNeighbours: header.reweightNeighbours,
    };
  }
  throw new AnomalyModelFormatError(`unknown anomaly model kind ${JSON.stringify(header.kind)}`);
}
