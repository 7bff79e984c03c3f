// Generated from openapi.json by scripts/openapi-document.ts; do not edit.
export interface paths {
  '/api/videos': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List videos, newest first */
    get: {
      parameters: {
        query?: {
          page?: number;
          size?: number;
          status?: 'queued' | 'processing' | 'paused' | 'done' | 'failed' | 'cancelled';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: components['schemas']['Video'][];
              page: number;
              size: number;
              hasNextPage: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Upload one or more videos (multipart field `files`); each is queued for face analysis */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description multipart/form-data with one or more parts named `files` */
      requestBody: {
        content: {
          'multipart/form-data': {
            files: string[];
            /**
             * @description build people profiles from the faces (true / false); put it before the files so that it applies from the start
             * @default false
             */
            autoProfiles?: boolean;
            /**
             * @description what to detect, comma-separated: faces, objects (people and the 80 COCO classes) or faces,objects; put it before the files
             * @default faces
             */
            analytics?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: components['schemas']['Video'][];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-sent events: a `video` event with the whole video on every change, `deleted` on deletion */
    get: {
      parameters: {
        query?: {
          /** @description only events of this video */
          id?: string;
          /** @description the API token, for EventSource clients that cannot send Authorization */
          access_token?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description text/event-stream */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One video with its progress and results */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Video'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a video, its stored file and results (stops its analysis) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-sent events of one video; the first event is its current state */
    get: {
      parameters: {
        query?: {
          /** @description the API token, for EventSource clients that cannot send Authorization */
          access_token?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description text/event-stream */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}/pause': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Pause analysis (takes effect within a second; resume continues where it stopped) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Video'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume a paused video from where it stopped */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Video'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel analysis (takes effect within a second) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Video'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/videos/{id}/frame': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The exact frame an uploaded video shows t ms after its first frame (from the frames' PTS)
     * @description JPEG by default; with format=json its index (the frames skipped to reach t), PTS and time base. 400 when t is past the end.
     */
    get: {
      parameters: {
        query: {
          /** @description ms after the first frame (decimals allowed: 1001.5) */
          t: string;
          /** @description jpeg (default) or json */
          format?: 'jpeg' | 'json';
        };
        header?: never;
        path: {
          /** @description the video id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg':
              | {
                  videoId: string;
                  filename: string;
                  /** @description the time asked, ms after the first frame */
                  tMs: number;
                  /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                  index: number;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  ptsMs: number;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  /** @description when the frame starts, ms after the first frame */
                  sinceFirstMs: number;
                  keyframe: boolean;
                  /** @description packets decoded from the keyframe to reach it */
                  packetsDecoded: number;
                  /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                  previousFrameMs: number | null;
                  /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                  nextFrameMs: number | null;
                }
              | string;
            'application/json':
              | {
                  videoId: string;
                  filename: string;
                  /** @description the time asked, ms after the first frame */
                  tMs: number;
                  /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                  index: number;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  ptsMs: number;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  /** @description when the frame starts, ms after the first frame */
                  sinceFirstMs: number;
                  keyframe: boolean;
                  /** @description packets decoded from the keyframe to reach it */
                  packetsDecoded: number;
                  /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                  previousFrameMs: number | null;
                  /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                  nextFrameMs: number | null;
                }
              | string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/compare': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An original and its recording at the same t: the frame each shows, and whether they match
     * @description Pictures: GET /api/videos/:id/frame?t= of each. identical when every decoded sample is equal, else PSNR.
     */
    get: {
      parameters: {
        query: {
          /** @description the original video */
          original: string;
          /** @description the recording of it */
          recording: string;
          /** @description ms after the first frame (decimals allowed: 1001.5) */
          t: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tMs: number;
              original: {
                videoId: string;
                filename: string;
                /** @description the time asked, ms after the first frame */
                tMs: number;
                /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                index: number;
                /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                ptsTicks: string;
                ptsMs: number;
                /** @description seconds per tick, "num/den" */
                timeBase: string;
                /** @description when the frame starts, ms after the first frame */
                sinceFirstMs: number;
                keyframe: boolean;
                /** @description packets decoded from the keyframe to reach it */
                packetsDecoded: number;
                /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                previousFrameMs: number | null;
                /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                nextFrameMs: number | null;
              };
              recording: {
                videoId: string;
                filename: string;
                /** @description the time asked, ms after the first frame */
                tMs: number;
                /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                index: number;
                /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                ptsTicks: string;
                ptsMs: number;
                /** @description seconds per tick, "num/den" */
                timeBase: string;
                /** @description when the frame starts, ms after the first frame */
                sinceFirstMs: number;
                keyframe: boolean;
                /** @description packets decoded from the keyframe to reach it */
                packetsDecoded: number;
                /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                previousFrameMs: number | null;
                /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                nextFrameMs: number | null;
              };
              /** @description every decoded sample equal (a passthrough recording) */
              identical: boolean;
              /** @description dB over Y, U and V; null when identical */
              psnr: number | null;
              /** @description the recording was scaled to the original's size to compare */
              scaled: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/same-moment': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The same moment t in two videos: the frame each shows and the frames it skipped to reach it */
    get: {
      parameters: {
        query: {
          /** @description the first video */
          a: string;
          /** @description the second video */
          b: string;
          /** @description ms after the first frame (decimals allowed: 1001.5) */
          t: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tMs: number;
              a: {
                videoId: string;
                filename: string;
                /** @description the time asked, ms after the first frame */
                tMs: number;
                /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                index: number;
                /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                ptsTicks: string;
                ptsMs: number;
                /** @description seconds per tick, "num/den" */
                timeBase: string;
                /** @description when the frame starts, ms after the first frame */
                sinceFirstMs: number;
                keyframe: boolean;
                /** @description packets decoded from the keyframe to reach it */
                packetsDecoded: number;
                /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                previousFrameMs: number | null;
                /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                nextFrameMs: number | null;
              };
              b: {
                videoId: string;
                filename: string;
                /** @description the time asked, ms after the first frame */
                tMs: number;
                /** @description 0-based presentation index of the frame shown then: the frames skipped to reach t */
                index: number;
                /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                ptsTicks: string;
                ptsMs: number;
                /** @description seconds per tick, "num/den" */
                timeBase: string;
                /** @description when the frame starts, ms after the first frame */
                sinceFirstMs: number;
                keyframe: boolean;
                /** @description packets decoded from the keyframe to reach it */
                packetsDecoded: number;
                /** @description when the previous frame starts, ms after the first frame (null: this is the first) */
                previousFrameMs: number | null;
                /** @description when the next frame starts (null: this is the last; null in /api/compare) */
                nextFrameMs: number | null;
              };
              /** @description per video: the frames skipped to reach t and the PTS of the frame shown then */
              log: string[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List people profiles, newest first (keyset pages: pass nextCursor as cursor) */
    get: {
      parameters: {
        query: {
          limit: number;
          /** @description nextCursor of the previous page */
          cursor?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              }[];
              /** @description pass as `cursor` for the next page */
              nextCursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One profile with the videos and times where the person appears */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: uuid */
              id: string;
              /** @description the best face crop (JPEG) */
              cropUrl: string | null;
              lastName: string | null;
              firstName: string | null;
              middleName: string | null;
              gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
              /** Format: date */
              birthDate: string | null;
              videos: {
                /** Format: uuid */
                id: string;
                /** @description the video file name */
                name: string;
                /** @description API URL of the video */
                link: string;
                /** @description first moment on screen, ms after the first frame */
                firstMs: number;
                lastMs: number;
                /** @description every stretch on screen (the person may leave and come back) */
                spans: {
                  firstMs: number;
                  lastMs: number;
                }[];
                /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                cropFrameIndex: number | null;
              }[];
              /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
              apartFrom: string[];
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a profile and its crop (the videos stay) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Edit personal data; 422 lists one message per invalid field and saves nothing */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      /** @description any of the fields; nothing is saved unless all are valid */
      requestBody: {
        content: {
          'application/json': {
            /** @description last name: letters of any script, spaces, hyphens, apostrophes (' ’); 1–100 characters after trimming; null clears it */
            lastName?: string | null;
            /** @description first name: letters of any script, spaces, hyphens, apostrophes (' ’); 1–100 characters after trimming; null clears it */
            firstName?: string | null;
            /** @description middle name (patronymic): letters of any script, spaces, hyphens, apostrophes (' ’); 1–100 characters after trimming; null clears it */
            middleName?: string | null;
            gender?: ('female' | 'male' | 'other' | 'unknown') | (never | null);
            /**
             * Format: date
             * @description YYYY-MM-DD, a real calendar date from 1900-01-01 to today
             */
            birthDate?: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: uuid */
              id: string;
              /** @description the best face crop (JPEG) */
              cropUrl: string | null;
              lastName: string | null;
              firstName: string | null;
              middleName: string | null;
              gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
              /** Format: date */
              birthDate: string | null;
              videos: {
                /** Format: uuid */
                id: string;
                /** @description the video file name */
                name: string;
                /** @description API URL of the video */
                link: string;
                /** @description first moment on screen, ms after the first frame */
                firstMs: number;
                lastMs: number;
                /** @description every stretch on screen (the person may leave and come back) */
                spans: {
                  firstMs: number;
                  lastMs: number;
                }[];
                /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                cropFrameIndex: number | null;
              }[];
              /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
              apartFrom: string[];
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: {
                code: string;
                message: string;
                /** @description one message per invalid field */
                fields: {
                  [key: string]: string;
                };
              };
            };
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/profiles/{id}/crop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The profile's best face crop */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description image/jpeg */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/{id}/merge': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Merge another profile into this one (one person): its faces, appearances and events move here, it is deleted */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: uuid
             * @description the profile merged into this one, then deleted
             */
            other: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: uuid */
              id: string;
              /** @description the best face crop (JPEG) */
              cropUrl: string | null;
              lastName: string | null;
              firstName: string | null;
              middleName: string | null;
              gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
              /** Format: date */
              birthDate: string | null;
              videos: {
                /** Format: uuid */
                id: string;
                /** @description the video file name */
                name: string;
                /** @description API URL of the video */
                link: string;
                /** @description first moment on screen, ms after the first frame */
                firstMs: number;
                lastMs: number;
                /** @description every stretch on screen (the person may leave and come back) */
                spans: {
                  firstMs: number;
                  lastMs: number;
                }[];
                /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                cropFrameIndex: number | null;
              }[];
              /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
              apartFrom: string[];
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/{id}/videos/{videoId}/split': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Split this profile's appearance in a video at atMs: from there on it is someone else (another profile, or a new one); the two are never grouped together again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          videoId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description ms after the first frame: what is on screen from here on is someone else */
            atMs: number;
            /**
             * Format: uuid
             * @description the profile that gets it (it may appear in the video already); a new profile when left out
             */
            to?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              profile: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              };
              /** @description the profile that got the part moved out; created: made for it */
              other: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              } & {
                created: boolean;
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/{id}/videos/{videoId}/not-this-person': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** This is not this person: the profile's appearance in a video and its faces there go to another profile (or a new one); the two are never grouped together again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
          videoId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: uuid
             * @description the profile that gets it (it may appear in the video already); a new profile when left out
             */
            to?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              profile: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              };
              /** @description the profile that got the part moved out; created: made for it */
              other: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              } & {
                created: boolean;
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/from-photo': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make a profile from the face in a photo; 422 when it shows no face, or several and ?face= picks none */
    post: {
      parameters: {
        query?: {
          /** @description which face when the photo shows several: 0 is the largest, then by size */
          face?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description multipart/form-data: the photo, and personal data checked as PATCH /api/profiles/{id} checks it */
      requestBody: {
        content: {
          'multipart/form-data': {
            /**
             * Format: binary
             * @description a JPEG or PNG of at most 20 MiB with one face of at least 24 px (or pick one with ?face=)
             */
            photo: string;
            lastName?: string;
            firstName?: string;
            middleName?: string;
            /** @description female, male, other or unknown */
            gender?: string;
            /** Format: date */
            birthDate?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: uuid */
              id: string;
              /** @description the best face crop (JPEG) */
              cropUrl: string | null;
              lastName: string | null;
              firstName: string | null;
              middleName: string | null;
              gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
              /** Format: date */
              birthDate: string | null;
              videos: {
                /** Format: uuid */
                id: string;
                /** @description the video file name */
                name: string;
                /** @description API URL of the video */
                link: string;
                /** @description first moment on screen, ms after the first frame */
                firstMs: number;
                lastMs: number;
                /** @description every stretch on screen (the person may leave and come back) */
                spans: {
                  firstMs: number;
                  lastMs: number;
                }[];
                /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                cropFrameIndex: number | null;
              }[];
              /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
              apartFrom: string[];
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: {
                /** @description KADR_ERR_VALIDATION, KADR_ERR_INPUT_NO_FACE, KADR_ERR_INPUT_MANY_FACES, KADR_ERR_INPUT_CORRUPT */
                code: string;
                message: string;
                hint?: string;
                /** @description one message per invalid field */
                fields?: {
                  [key: string]: string;
                };
              };
            };
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/profiles/{id}/photos': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Add the face in a photo to a profile (one more embedding to match on); the first photo's crop becomes its picture */
    post: {
      parameters: {
        query?: {
          /** @description which face when the photo shows several: 0 is the largest, then by size */
          face?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      /** @description multipart/form-data */
      requestBody: {
        content: {
          'multipart/form-data': {
            /**
             * Format: binary
             * @description a JPEG or PNG of at most 20 MiB with one face of at least 24 px (or pick one with ?face=)
             */
            photo: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: uuid */
              id: string;
              /** @description the best face crop (JPEG) */
              cropUrl: string | null;
              lastName: string | null;
              firstName: string | null;
              middleName: string | null;
              gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
              /** Format: date */
              birthDate: string | null;
              videos: {
                /** Format: uuid */
                id: string;
                /** @description the video file name */
                name: string;
                /** @description API URL of the video */
                link: string;
                /** @description first moment on screen, ms after the first frame */
                firstMs: number;
                lastMs: number;
                /** @description every stretch on screen (the person may leave and come back) */
                spans: {
                  firstMs: number;
                  lastMs: number;
                }[];
                /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                cropFrameIndex: number | null;
              }[];
              /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
              apartFrom: string[];
              /** Format: date-time */
              createdAt: string;
              /** Format: date-time */
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              error: {
                /** @description KADR_ERR_VALIDATION, KADR_ERR_INPUT_NO_FACE, KADR_ERR_INPUT_MANY_FACES, KADR_ERR_INPUT_CORRUPT */
                code: string;
                message: string;
                hint?: string;
                /** @description one message per invalid field */
                fields?: {
                  [key: string]: string;
                };
              };
            };
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every camera, by name */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: components['schemas']['Camera'][];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Add a camera (409 when the name is taken); credentials are encrypted and never shown */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description a letter or digit, then up to 63 letters, digits, ".", "_" or "-" (it is the restream path); unique */
            name: string;
            /** @description rtsp:// or rtsps://; credentials in it (rtsp://user:pass@host/...) are split off and encrypted */
            url: string;
            /** @description how RTP comes from the camera: interleaved in the RTSP connection (tcp) or over UDP */
            transport?: 'tcp' | 'udp';
            /** @description record continuously (default false) */
            record?: boolean;
            /** @description connect only while someone watches or records (default false) */
            onDemand?: boolean;
            /** @description no ":" */
            user?: string;
            password?: string;
            retention?: {
              /** @description delete segments older than this; null: no age limit */
              maxAgeHours?: null | number;
              /** @description delete the oldest segments past this many bytes; null: no size limit */
              maxBytes?: null | number;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One camera with its state and health */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Remove a camera (its recording stops first) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Change a camera; the live connection is replaced when the URL or transport changed */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      /** @description any of the fields; a url without credentials keeps the stored ones */
      requestBody: {
        content: {
          'application/json': {
            /** @description a letter or digit, then up to 63 letters, digits, ".", "_" or "-" (it is the restream path); unique */
            name?: string;
            /** @description rtsp:// or rtsps://; credentials in it (rtsp://user:pass@host/...) are split off and encrypted */
            url?: string;
            /** @description how RTP comes from the camera: interleaved in the RTSP connection (tcp) or over UDP */
            transport?: 'tcp' | 'udp';
            record?: boolean;
            onDemand?: boolean;
            /** @description null removes the credentials */
            user?: string | (never | null);
            /** @description alone: changes only the password */
            password?: string | null;
            retention?: {
              /** @description delete segments older than this; null: no age limit */
              maxAgeHours?: null | number;
              /** @description delete the oldest segments past this many bytes; null: no size limit */
              maxBytes?: null | number;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/cameras/{id}/recording/start': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Switch recording on (kept across restarts) and start the recorder */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/recording/stop': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Switch recording off and stop the recorder */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/analytics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Attach live analytics to a camera, or change them (kept across restarts) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description faces, persons, objects (every class but person) or COCO class names (car, dog, …) */
            detect: string[];
            /** @description frames analysed a second (default 5) */
            fps?: number;
            /** @description polygons in 0…1 picture coordinates; a detection counts only when the bottom centre of its box (a person's feet) is in one */
            zones?: [number, number][][] | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Camera'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    /** Detach the live analytics of a camera (its open events end at the last frame seen) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/detections': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What every analysed frame of a camera showed between two times */
    get: {
      parameters: {
        query: {
          /** @description start of the span: ISO 8601 with a zone */
          from: string;
          /** @description end of the span (one day after from at most): ISO 8601 with a zone */
          to: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              frames: {
                /** @description wallclock of the analysed frame, ms since 1970 */
                t: number;
                pts: string;
                /** @description [class, score, x, y, width, height, profileId?] per detection, box in camera pixels */
                d: (string | number)[][];
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Analytics events, oldest first, filtered by camera, type, time and profile; paged */
    get: {
      parameters: {
        query?: {
          camera?: string;
          type?: 'person' | 'object' | 'face' | 'profile';
          profile?: string;
          /** @description events that end at or after this: ISO 8601 with a zone */
          from?: string;
          /** @description events that start at or before this: ISO 8601 with a zone */
          to?: string;
          /** @description `next` of the previous page */
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: components['schemas']['AnalyticsEvent'][];
              /** @description cursor of the next page; null on the last */
              next: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/events/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Server-sent events: `start`, `update` (better snapshot) and `end` of every event, live */
    get: {
      parameters: {
        query?: {
          camera?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description text/event-stream */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/events/{id}/snapshot': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The event's best analysed frame, JPEG */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description image/jpeg */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/events/{id}/face': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A profile event's best face, JPEG crop of the analysed picture */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description image/jpeg */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/events/{id}/not-this-person': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** This face is not the profile the event names: the event names `to` (or a new profile made from the face), the face's embeddings go to that profile, and live matching no longer names the first for faces nearer them */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: uuid
             * @description the profile the face is; left out: a new profile made from the face
             */
            to?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              event: components['schemas']['AnalyticsEvent'];
              /** @description the profile the event names now; created: made from its face */
              profile: {
                /** Format: uuid */
                id: string;
                /** @description the best face crop (JPEG) */
                cropUrl: string | null;
                lastName: string | null;
                firstName: string | null;
                middleName: string | null;
                gender: ('female' | 'male' | 'other' | 'unknown') | (never | null);
                /** Format: date */
                birthDate: string | null;
                videos: {
                  /** Format: uuid */
                  id: string;
                  /** @description the video file name */
                  name: string;
                  /** @description API URL of the video */
                  link: string;
                  /** @description first moment on screen, ms after the first frame */
                  firstMs: number;
                  lastMs: number;
                  /** @description every stretch on screen (the person may leave and come back) */
                  spans: {
                    firstMs: number;
                    lastMs: number;
                  }[];
                  /** @description frame (0-based) of the best face in this video; null for the part of a split appearance without it */
                  cropFrameIndex: number | null;
                }[];
                /** @description profiles the operator said are someone else (a split, "this is not X"): never grouped with this one */
                apartFrom: string[];
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
              } & {
                created: boolean;
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/recordings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Recorded segments and gaps of a camera between two times */
    get: {
      parameters: {
        query: {
          /** @description start of the span: ISO 8601 with a zone */
          from: string;
          /** @description end of the span (31 days after from at most): ISO 8601 with a zone */
          to: string;
        };
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              segments: {
                id: string;
                /** @description wallclock of its first frame, ISO 8601 with ms */
                start: string;
                /** @description end of its last frame, ISO 8601 with ms */
                end: string;
                frames: number;
                /** @description object key of the fragmented MP4 in the object store */
                key: string;
              }[];
              gaps: {
                /** @description receive time of the last frame before the gap */
                from: string;
                /** @description receive time of the first frame after it */
                to: string;
                reason: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/align': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A group of cameras in step over a time window, from their recorded wallclocks
     * @description The common instant is the latest first frame in the window; for each camera, the segment holding its frame then and the time after that segment's first frame (docs/align.md). 404 when a camera recorded nothing in the window.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the cameras of the group */
            cameras: string[];
            /** @description start of the window: ISO 8601 with a zone */
            from: string;
            /** @description end of the window (an hour after from at most): ISO 8601 with a zone */
            to: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              common: {
                /** @description the common instant: the latest first frame in the window */
                wallclock: string;
                /** @description the same, ms since 1970 */
                wallclockMs: number;
                /** @description the last moment every camera has a frame of, in the window */
                end: string;
              };
              offsets: {
                cameraId: string;
                /** @description the segment holding the frame at the common instant */
                segmentId: string;
                /** @description its object key */
                key: string;
                /** @description time after the segment's first frame at which the common instant lies */
                offsetMs: number;
                /** @description estimated error of offsetMs (half a frame interval + wallclock jitter) */
                errorMs: number;
                /** @enum {string} */
                method: 'wallclock';
                /** @description whose clock: the camera's (RTCP sender reports) or kadr's receive time */
                clock: 'rtcp' | 'received';
                /** @description presentation index in the segment of the frame then */
                frameIndex: number;
                frameIntervalMs: number;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/frame': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The frame a camera showed at a time: the last recorded frame at or before it
     * @description JPEG by default; with format=json its wallclock, PTS and segment. 404 when nothing was recorded then (a gap, before the first or after the last frame).
     */
    get: {
      parameters: {
        query: {
          /** @description the wallclock time: ISO 8601 with a zone */
          at: string;
          /** @description jpeg (default) or json */
          format?: 'jpeg' | 'json';
        };
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg':
              | {
                  /** @description the time asked */
                  at: string;
                  /** @description wallclock of the frame shown then (at or before `at`) */
                  frameTime: string;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  segmentId: string;
                  /** @description 0-based presentation index of the frame in its segment */
                  index: number;
                  /** @description whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time */
                  clock: 'rtcp' | 'received';
                }
              | string;
            'application/json':
              | {
                  /** @description the time asked */
                  at: string;
                  /** @description wallclock of the frame shown then (at or before `at`) */
                  frameTime: string;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  segmentId: string;
                  /** @description 0-based presentation index of the frame in its segment */
                  index: number;
                  /** @description whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time */
                  clock: 'rtcp' | 'received';
                }
              | string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/frame-sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Open a frame session: a warm decoder for stepping through the recording frame by frame
     * @description A few are open per process at most (409 when all are in use); each closes after idleTimeoutS unused.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description the session id */
              id: string;
              cameraId: string;
              /** @description the session closes after this many seconds unused */
              idleTimeoutS: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/frame-sessions/{session}/frame': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A frame of the recording through a session: at a wallclock, or stepped from a frame
     * @description Start from `at` (the frame shown then) or from `segment` and `index`; `step` frames later (earlier when negative), across segments. JPEG by default, its frame in headers X-Kadr-Frame-Time, X-Kadr-Wallclock-Ms, X-Kadr-Segment, X-Kadr-Frame-Index, X-Kadr-Pts, X-Kadr-Time-Base, X-Kadr-Decoded; format=json gives the same without the picture. 404 past either end of the recording.
     */
    get: {
      parameters: {
        query?: {
          /** @description start from the frame shown at this wallclock (ISO 8601 with a zone) */
          at?: string;
          /** @description start from a frame of this segment (with index) */
          segment?: string;
          /** @description 0-based presentation index of that frame in its segment */
          index?: number;
          /** @description frames after (negative: before) the start, across segments; 1 is the next frame */
          step?: number;
          /** @description jpeg (default) or json */
          format?: 'jpeg' | 'json';
        };
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
          /** @description the frame session id */
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg':
              | {
                  /** @description the frame's wallclock, ISO 8601 with ms */
                  frameTime: string;
                  /** @description the same, ms since 1970 with its fraction */
                  wallclockMs: number;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  segmentId: string;
                  /** @description 0-based presentation index of the frame in its segment */
                  index: number;
                  keyframe: boolean;
                  /** @description whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time */
                  clock: 'rtcp' | 'received';
                  /** @description pictures decoded to answer: 0 when kept from an earlier step (and for format=json) */
                  decoded: number;
                }
              | string;
            'application/json':
              | {
                  /** @description the frame's wallclock, ISO 8601 with ms */
                  frameTime: string;
                  /** @description the same, ms since 1970 with its fraction */
                  wallclockMs: number;
                  /** @description its PTS in ticks of timeBase (a string: 64-bit) */
                  ptsTicks: string;
                  /** @description seconds per tick, "num/den" */
                  timeBase: string;
                  segmentId: string;
                  /** @description 0-based presentation index of the frame in its segment */
                  index: number;
                  keyframe: boolean;
                  /** @description whose clock frameTime is: the camera's (RTCP sender reports) or kadr's receive time */
                  clock: 'rtcp' | 'received';
                  /** @description pictures decoded to answer: 0 when kept from an earlier step (and for format=json) */
                  decoded: number;
                }
              | string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'image/jpeg': components['schemas']['Error'];
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/frame-sessions/{session}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Close a frame session (its decoder and pictures are freed) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
          /** @description the frame session id */
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/cameras/{id}/exports': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Export a clip of the recording between two times into one MP4 object
     * @description Frame-exact and without re-encoding: the first frame shown is the one at `from`, the last the last before `to`. 202 with the queued export; 404 when from..to is not one recorded span (an end not recorded, or a gap inside).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the camera id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the first frame shown is the one at this time (the last at or before it): ISO 8601 with a zone */
            from: string;
            /** @description the last frame is the last before this time (6 hours after from at most): ISO 8601 with a zone */
            to: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              cameraId: string;
              /** @description the time asked, ISO 8601 with ms */
              from: string;
              /** @description the time asked, ISO 8601 with ms */
              to: string;
              status: 'queued' | 'running' | 'done' | 'failed';
              progress: number;
              /** @description object key of the MP4 in the object store, once done */
              key: string | null;
              /** @description frames shown, once done */
              frames: number | null;
              /** @description wallclock of the first frame shown, ISO 8601 with ms, once done */
              firstFrameTime: string | null;
              /** @description why it failed */
              error: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/exports/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A clip export: status, progress and, once done, its object key */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the export id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              cameraId: string;
              /** @description the time asked, ISO 8601 with ms */
              from: string;
              /** @description the time asked, ISO 8601 with ms */
              to: string;
              status: 'queued' | 'running' | 'done' | 'failed';
              progress: number;
              /** @description object key of the MP4 in the object store, once done */
              key: string | null;
              /** @description frames shown, once done */
              frames: number | null;
              /** @description wallclock of the first frame shown, ISO 8601 with ms, once done */
              firstFrameTime: string | null;
              /** @description why it failed */
              error: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/exports/{id}/file': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The MP4 of a finished clip export, as a download
     * @description 409 while the export is not done.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the export id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description video/mp4 */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every ingest session open now or ended in the last hour */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              sessions: {
                id: string;
                name: string;
                /** @description spooled: the store was down, the recording is stored when it is back */
                state: 'open' | 'finishing' | 'finished' | 'spooled' | 'failed';
                createdAt: string;
                /** @description frames added */
                frames: number;
                rejected: {
                  outOfOrder: number;
                  duplicate: number;
                  corrupt: number;
                };
                width: number | null;
                height: number | null;
                firstFrameTime: string | null;
                lastFrameTime: string | null;
                endReason: 'finish' | 'idle' | 'shutdown' | 'error' | (never | null);
                recording: {
                  /** @description path or s3:// URL of the recording, as `kadr frame` and `kadr index` take it */
                  key: string;
                  /** @description its key in the object store */
                  objectKey: string;
                  /** @description key of its frame index */
                  indexKey: string;
                  frames: number;
                  /** @description capture time of the first frame, ISO 8601 with ms */
                  firstFrameTime: string;
                  /** @description capture time of the last frame, ISO 8601 with ms */
                  lastFrameTime: string;
                  width: number;
                  height: number;
                  bytes: number;
                } | null;
                error: string | null;
                /** @description live subscribers of the session */
                viewers: number;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Open an ingest session: JPEG frames posted to it become one H.264 recording */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description what the source is called (the recording is stored under ingest/<name>/) */
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              /** @description spooled: the store was down, the recording is stored when it is back */
              state: 'open' | 'finishing' | 'finished' | 'spooled' | 'failed';
              createdAt: string;
              /** @description frames added */
              frames: number;
              rejected: {
                outOfOrder: number;
                duplicate: number;
                corrupt: number;
              };
              width: number | null;
              height: number | null;
              firstFrameTime: string | null;
              lastFrameTime: string | null;
              endReason: 'finish' | 'idle' | 'shutdown' | 'error' | (never | null);
              recording: {
                /** @description path or s3:// URL of the recording, as `kadr frame` and `kadr index` take it */
                key: string;
                /** @description its key in the object store */
                objectKey: string;
                /** @description key of its frame index */
                indexKey: string;
                frames: number;
                /** @description capture time of the first frame, ISO 8601 with ms */
                firstFrameTime: string;
                /** @description capture time of the last frame, ISO 8601 with ms */
                lastFrameTime: string;
                width: number;
                height: number;
                bytes: number;
              } | null;
              error: string | null;
              /** @description live subscribers of the session */
              viewers: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/{id}/frames': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Add one frame: a JPEG body, its capture time in X-Capture-Time
     * @description X-Capture-Time: ISO 8601 with ms and a zone (2026-12-05T10:00:00.040Z); the frame's PTS is that time minus the first frame's. 409 for a time at or before the last frame's (out of order, duplicate), 400 for a body that is not a whole JPEG, 413 above KADR_INGEST_FRAME_MAX_BYTES; the session goes on after each.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          'x-capture-time'?: string;
        };
        path: {
          /** @description the ingest session id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description 0-based index of the frame in the recording */
              frame: number;
              /** @description its PTS: ms after the first frame */
              ptsMs: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/{id}/finish': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Finish the session: the recording is stored, its key and frame times returned
     * @description 409 when no frame was added (nothing is stored); 503 when the store is down (the recording is kept in the spool and stored later). Finishing again returns the same recording.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the ingest session id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description path or s3:// URL of the recording, as `kadr frame` and `kadr index` take it */
              key: string;
              /** @description its key in the object store */
              objectKey: string;
              /** @description key of its frame index */
              indexKey: string;
              frames: number;
              /** @description capture time of the first frame, ISO 8601 with ms */
              firstFrameTime: string;
              /** @description capture time of the last frame, ISO 8601 with ms */
              lastFrameTime: string;
              width: number;
              height: number;
              bytes: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/ingest/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** An ingest session: state, frames added and refused, and its recording once finished */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the ingest session id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              /** @description spooled: the store was down, the recording is stored when it is back */
              state: 'open' | 'finishing' | 'finished' | 'spooled' | 'failed';
              createdAt: string;
              /** @description frames added */
              frames: number;
              rejected: {
                outOfOrder: number;
                duplicate: number;
                corrupt: number;
              };
              width: number | null;
              height: number | null;
              firstFrameTime: string | null;
              lastFrameTime: string | null;
              endReason: 'finish' | 'idle' | 'shutdown' | 'error' | (never | null);
              recording: {
                /** @description path or s3:// URL of the recording, as `kadr frame` and `kadr index` take it */
                key: string;
                /** @description its key in the object store */
                objectKey: string;
                /** @description key of its frame index */
                indexKey: string;
                frames: number;
                /** @description capture time of the first frame, ISO 8601 with ms */
                firstFrameTime: string;
                /** @description capture time of the last frame, ISO 8601 with ms */
                lastFrameTime: string;
                width: number;
                height: number;
                bytes: number;
              } | null;
              error: string | null;
              /** @description live subscribers of the session */
              viewers: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/camera-groups': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every camera group, by name */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: {
                id: string;
                name: string;
                cameras: string[];
                createdAt: string;
                updatedAt: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Add a camera group (409 when the name is taken, 404 when a camera does not exist) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description a camera name rule: e.g. "train-7" */
            name: string;
            /** @description the cameras of the group, by id, in this order */
            cameras: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              cameras: string[];
              createdAt: string;
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/camera-groups/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One camera group */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the group id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              cameras: string[];
              createdAt: string;
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Remove a camera group (its cameras and recordings stay) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the group id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Rename a group or replace its cameras */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the group id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description a camera name rule: e.g. "train-7" */
            name?: string;
            /** @description the cameras of the group, by id, in this order */
            cameras?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              cameras: string[];
              createdAt: string;
              updatedAt: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/camera-groups/{id}/trigger': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Record every camera of the group from one instant: a frame-exact clip per camera
     * @description Cameras not recording are switched on at once (their kept GOP is the pre-roll) and off again after the window; each clip is a clip export from at - preRoll to at + duration. 202 with the trigger; follow it at the Location.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the group id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the trigger instant, ISO 8601 with a zone, within an hour of now (default: now) */
            at?: string;
            /** @description how long each clip runs after the trigger instant (default 30) */
            durationSeconds?: number;
            /** @description how long each clip starts before the trigger instant (default 0); more than the GOP kept in memory needs continuous recording */
            preRollSeconds?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              groupId: string | null;
              /** @description the trigger instant, ISO 8601 with ms */
              at: string;
              preRollSeconds: number;
              durationSeconds: number;
              status: 'recording' | 'exporting' | 'done' | 'failed';
              progress: number;
              cameras: {
                cameraId: string;
                exportId: string | null;
                status: 'pending' | 'done' | 'failed';
                /** @description object key of the clip (MP4) in the object store */
                key: string | null;
                frames: number | null;
                /** @description wallclock of the clip's first frame shown (the one at at - preRoll) */
                firstFrameTime: string | null;
                /** @description wallclock of the frame shown at the trigger instant (at or before it) */
                triggerFrameTime: string | null;
                error: string | null;
              }[];
              /** @description max - min of the cameras' triggerFrameTime, in ms */
              spreadMs: number | null;
              error: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/triggers/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A trigger: status, progress and, once done, each camera's clip and the spread */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description the trigger id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              groupId: string | null;
              /** @description the trigger instant, ISO 8601 with ms */
              at: string;
              preRollSeconds: number;
              durationSeconds: number;
              status: 'recording' | 'exporting' | 'done' | 'failed';
              progress: number;
              cameras: {
                cameraId: string;
                exportId: string | null;
                status: 'pending' | 'done' | 'failed';
                /** @description object key of the clip (MP4) in the object store */
                key: string | null;
                frames: number | null;
                /** @description wallclock of the clip's first frame shown (the one at at - preRoll) */
                firstFrameTime: string | null;
                /** @description wallclock of the frame shown at the trigger instant (at or before it) */
                triggerFrameTime: string | null;
                error: string | null;
              }[];
              /** @description max - min of the cameras' triggerFrameTime, in ms */
              spreadMs: number | null;
              error: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Streams a viewer can watch live (cameras and served files), with their WHEP and HLS URLs */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LiveStream'][];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/live/{name}/hls/index.m3u8': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * LL-HLS playlist of a stream
     * @description Without ?quality= and with several qualities: the multivariant playlist. Otherwise the media playlist of the quality (original by default), with blocking reload: _HLS_msn (and _HLS_part) hold the answer until the playlist holds that segment (part); 400 when they are too far ahead (RFC 8216bis §6.2.5.2).
     */
    get: {
      parameters: {
        query?: {
          quality?: string;
          _HLS_msn?: number;
          _HLS_part?: number;
          /** @description Ignored: no delta updates are offered */
          _HLS_skip?: string;
        };
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/vnd.apple.mpegurl': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/live/{name}/hls/{quality}/{file}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An init section, segment or partial segment of a stream (fMP4)
     * @description The next part (the preload hint) and the segment in progress are held until complete; anything that left the window is a 404.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
          quality: string;
          /** @description seg<msn>.m4s, part<id>.m4s or init-<n>.mp4, as the media playlist names them */
          file: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'video/mp4': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/onvif/discover': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Probe the server's network with WS-Discovery; every device that answered, ONVIF ones first */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description how long to wait for answers (default 3000) */
            timeoutMs?: number;
            /** @description the server's interface to probe from: an IPv4 address of it or an interface name */
            bind?: string;
            /** @description only ONVIF NetworkVideoTransmitters (cameras, encoders); default false */
            onvifOnly?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              items: {
                /** @description the endpoint reference address, the device id (urn:uuid:...) */
                endpoint: string;
                /** @description WS-Discovery types as sent, e.g. dn:NetworkVideoTransmitter */
                types: string[];
                /** @description an ONVIF NetworkVideoTransmitter (a camera or encoder) */
                onvif: boolean;
                scopes: string[];
                /** @description service URLs; for ONVIF the device service to add */
                xaddrs: string[];
                metadataVersion: number | null;
                /** @description the address the answer came from */
                from: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/onvif/device': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** An ONVIF device: information and media profiles with their stream and snapshot URIs */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the device service URL (an XAddr from discovery), e.g. http://192.168.1.64/onvif/device_service */
            xaddr: string;
            /** @description an ONVIF user of the device */
            user?: string;
            password?: string;
            /** @description deadline of each SOAP call (default 5000) */
            timeoutMs?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              xaddr: string;
              info: {
                manufacturer: string;
                model: string;
                firmwareVersion: string;
                serialNumber: string;
                hardwareId: string;
              };
              profiles: {
                token: string;
                name: string;
                encoding: string | null;
                width: number | null;
                height: number | null;
                frameRateLimit: number | null;
                /** @description RTSP URI of the profile */
                streamUri: string | null;
                /** @description JPEG snapshot URI, when the device has one */
                snapshotUri: string | null;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/onvif/cameras': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Add an ONVIF device's stream as a camera (its stream URI; the credentials encrypted) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description the device service URL (an XAddr from discovery), e.g. http://192.168.1.64/onvif/device_service */
            xaddr: string;
            /** @description an ONVIF user of the device */
            user?: string;
            password?: string;
            /** @description deadline of each SOAP call (default 5000) */
            timeoutMs?: number;
            /** @description the camera's name: a letter or digit, then up to 63 letters, digits, ".", "_" or "-" (it is the restream path) */
            name: string;
            /** @description a media profile token or name; default the first with a video encoder */
            profile?: string;
            transport?: 'tcp' | 'udp';
            record?: boolean;
            onDemand?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              camera: components['schemas']['Camera'];
              device: {
                xaddr: string;
                info: {
                  manufacturer: string;
                  model: string;
                  firmwareVersion: string;
                  serialNumber: string;
                  hardwareId: string;
                };
                profile: {
                  token: string;
                  name: string;
                  encoding: string | null;
                  width: number | null;
                  height: number | null;
                  frameRateLimit: number | null;
                  /** @description RTSP URI of the profile */
                  streamUri: string | null;
                  /** @description JPEG snapshot URI, when the device has one */
                  snapshotUri: string | null;
                };
              };
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/live/{name}/whep': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** WHEP (RFC 9725): POST an SDP offer, get the answer (201) and the session URL in Location */
    post: {
      parameters: {
        query?: {
          quality?: string;
        };
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/live/{name}/whep/{session}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** End a WHEP session (RFC 9725 §4.2) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/whip/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** WHIP (RFC 9725): POST a sender's SDP offer (H.264 video), get the answer (201) and the session URL */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/whip/{name}/{session}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A WHIP session: state, frames, losses, and its recording once stored */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    /** End a WHIP session (RFC 9725 §4.2); answers its recording {key, frames, firstFrameTime, ...} */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
          session: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics: cameras, their state and health */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description text/plain; version=0.0.4 */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': string;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Video: {
      /** Format: uuid */
      id: string;
      filename: string;
      contentType: string | null;
      sizeBytes: number;
      /** @enum {string} */
      status: 'queued' | 'processing' | 'paused' | 'done' | 'failed' | 'cancelled';
      /** @description the whole analysis, in percent: the faces pass, then (autoProfiles) the people pass; 100 only when done */
      progress: number;
      /**
       * @description the pass running: faces (face counts), people (profiles, uploads with autoProfiles); where a paused or failed video stopped; null before it starts and once done
       * @enum {string|null}
       */
      stage: 'faces' | 'people' | null;
      /** @description progress of the current stage: decoded frames over total frames, in percent */
      stageProgress: number;
      totalFrames: number | null;
      framesProcessed: number;
      /** @description face detections summed over all frames processed */
      facesSoFar: number;
      framesWithFaces: number;
      /** @description faces detected in each second of the video; set when status is done */
      facesPerSecond: number[] | null;
      /** @description what the video is analysed for: the upload's analytics field */
      analytics: ('faces' | 'objects')[];
      /** @description with objects: the most people seen in one frame (so far while processing); null without */
      personsMax: number | null;
      /** @description with objects: per COCO class name (person, car, ...) its counts; null without */
      objects: {
        [key: string]: {
          /** @description most of this class in one frame */
          max: number;
          /** @description frames where it was seen */
          frames: number;
        };
      } | null;
      /** @description why the video failed, for a person */
      error: string | null;
      errorCode: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** Format: date-time */
      startedAt: string | null;
      /** Format: date-time */
      finishedAt: string | null;
      /** @description distinct people found (uploads with autoProfiles, once done); GET /api/videos/:id only */
      peopleCount?: number | null;
      /** @description profiles of the people in this video; GET /api/videos/:id only */
      profiles?: {
        /** Format: uuid */
        id: string;
        /** @description API URL of the profile */
        link: string;
        firstMs: number;
        lastMs: number;
      }[];
    };
    Error: {
      error: {
        code: string;
        message: string;
        hint?: string;
      };
    };
    Camera: {
      /** Format: uuid */
      id: string;
      name: string;
      /** @description the source URL, never with credentials; empty for a push camera */
      url: string;
      hasCredentials: boolean;
      /** @description tcp or udp: how RTP comes from the camera; push: the video is pushed to kadr (a WHIP or JPEG ingest session under the camera's name), url is empty */
      transport: 'tcp' | 'udp' | 'push';
      onDemand: boolean;
      /** @description recording is switched on */
      record: boolean;
      /** @description recording is running */
      recording: boolean;
      retention: {
        maxAgeHours: number | null;
        maxBytes: number | null;
      };
      /** @description idle: on demand and nobody watching (or no live runtime in this process); offline: a push camera with no session sending */
      state: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'offline';
      lastError: string | null;
      health: {
        /** @description measured from PTS */
        fps: number | null;
        bitrateBps: number | null;
        /** Format: date-time */
        lastFrameAt: string | null;
        reconnects: number;
        /** @description units skipped by slow consumers */
        skippedUnits: number;
      };
      /** @description live analytics attached (docs/live-analytics.md); null when none */
      analytics: {
        detect: string[];
        fps: number;
        zones: number[][][] | null;
        /** @description analysing now on this server */
        running: boolean;
        framesAnalysed: number;
        /** @description sampled frames left out while the models were behind */
        framesSkipped: number;
        /** @description times the analysis process was started again */
        restarts: number;
      } | null;
      /** @description kadr's restream of the camera, on the node that runs it */
      rtspUrl: string;
      /** @description the node that runs the camera (holds its lease); null while none does */
      node: {
        id: string;
        /** @description the node's HTTP API */
        url: string;
      } | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    LiveStream: {
      /** @description The camera name (or served file mount) the URLs carry */
      name: string;
      /** @description POST an SDP offer here (WHEP, RFC 9725); add ?quality=<name>. A path on this node, or the full URL on the node that runs the camera */
      whep: string;
      /** @description The LL-HLS playlist: multivariant when there are several qualities, else the media playlist. A path on this node, or the full URL on the node that runs the camera */
      hls: string;
      /** @description What ?quality= may name, "original" first */
      qualities: string[];
    };
    AnalyticsEvent: {
      /** Format: uuid */
      id: string;
      type: 'person' | 'object' | 'face' | 'profile';
      /** Format: uuid */
      cameraId: string;
      className: string | null;
      profileId: string | null;
      /** @description first analysed frame, ISO 8601 rounded up to the ms: the recording's frame at this time is that frame */
      start: string;
      /** @description last analysed frame it was seen in; null while it goes on */
      end: string | null;
      startWallclockMs: number;
      endWallclockMs: number | null;
      startPts: string;
      endPts: string | null;
      timeBase: string;
      confidence: number;
      /** @description the most seen in one analysed frame */
      count: number;
      snapshotUrl: string | null;
      /** @description the analysed frame the snapshot shows */
      snapshotAt: string | null;
      /** @description a profile event's best face: [x, y, width, height] in the camera's pixels */
      faceBox: [number, number, number, number] | null;
      /** @description a profile event's best face, JPEG crop */
      faceUrl: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
