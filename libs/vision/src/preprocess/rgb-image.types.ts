/** 8-bit RGB pixels, row-major, channels interleaved (HWC): `data.length === width * height * 3`. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}
