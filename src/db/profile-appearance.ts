/** The row types shared by the profiles repository and its corrections' queries. */

export interface NewAppearance {
  profileId: string;
  videoId: string;
  firstMs: number;
  lastMs: number;
  frames: number;
  /** Null for the part of a split appearance that does not hold the best face. */
  cropFrameIndex: number | null;
  cropMs: number | null;
  spans: { firstMs: number; lastMs: number }[];
}

/** Where a profile's crop came from: a face of a video at a moment. */
export interface CropSource {
  videoId: string;
  ms: number;
}
