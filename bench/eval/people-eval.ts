/**
 * (c) of bench/eval-analytics.ts: who is who. Runs kadr's people pass (analyzeVideoPeople) on every clip,
 * then matches each clip's people against the profiles of the clips before, as the server does when a
 * video finishes (ProfilesService.saveVideoPeople: a person within the same-person distance of a profile
 * joins it and adds its embeddings, otherwise becomes a new profile).
 *
 * Scored on the labelled faces of 24 px and more: each is an item whose truth is its label id and whose
 * cluster is the profile of the track of the detection that found it (IoU >= 0.5); a face that was not
 * found or not embedded is a cluster of its own. BCubed precision, recall and F1 over those items; and
 * per clip the people found against the people labelled.
 */
import { analyzeVideoPeople, matchProfile, type FaceDetection } from '../../src/analytics/index.js';
import { SAME_PERSON_DISTANCE } from '../../src/analytics/embedding-distance.js';
import { CLIPS, mediaPath, type ClipLabels } from './eval-set.js';
import { bcubed, matchFrame } from './metrics.js';

const MIN_FACE = 24;
const MAX_PROFILE_EMBEDDINGS = 64;

interface ClipRun {
  clip: string;
  people: number;
  truePeople: number;
  items: { truth: string; person: number | null }[];
  personEmbeddings: Float32Array[][];
  seconds: number;
}

async function runClip(
  clip: string,
  labels: ClipLabels,
  sameDistance: number,
  minFaceSize?: number,
): Promise<ClipRun> {
  const byIndex = new Map(labels.frames.map((f) => [f.index, f]));
  const seen = new Map<number, { faces: FaceDetection[]; trackIds: number[] }>();
  const t0 = performance.now();
  const result = await analyzeVideoPeople(mediaPath(clip), {
    sameDistance,
    minFaceSize,
    onFrameFaces: (frameIndex, faces, trackIds) => {
      if (byIndex.has(frameIndex)) seen.set(frameIndex, { faces: [...faces], trackIds: [...trackIds] });
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const personOfTrack = new Map<number, number>();
  result.people.forEach((p, k) => p.trackIds.forEach((id) => personOfTrack.set(id, k)));
  const items: ClipRun['items'] = [];
  for (const f of labels.frames) {
    const s = seen.get(f.index) ?? { faces: [], trackIds: [] };
    const { foundBy } = matchFrame(
      s.faces,
      f.faces.map((x) => x.box),
      { minSize: MIN_FACE },
    );
    f.faces.forEach((face, k) => {
      if (Math.max(face.box[2], face.box[3]) < MIN_FACE) return;
      const d = foundBy[k]!;
      items.push({ truth: face.id, person: d >= 0 ? (personOfTrack.get(s.trackIds[d]!) ?? null) : null });
    });
  }
  const truePeople = new Set(
    labels.frames.flatMap((f) =>
      f.faces.filter((x) => Math.max(x.box[2], x.box[3]) >= MIN_FACE).map((x) => x.id),
    ),
  ).size;
  return {
    clip,
    people: result.people.length,
    truePeople,
    items,
    personEmbeddings: result.people.map((p) => p.embeddings),
    seconds,
  };
}

async function evaluate(labelsOf: Map<string, ClipLabels>, sameDistance: number, minFaceSize?: number) {
  const profiles: { id: string; embeddings: Float32Array[] }[] = [];
  const all: { truth: string; cluster: string }[] = [];
  const perClip: string[] = [];
  let lone = 0;
  let exact = 0;
  for (const { clip } of CLIPS) {
    const run = await runClip(clip, labelsOf.get(clip)!, sameDistance, minFaceSize);
    // Profiles made by this clip's own people are not matched: clustering already found them different.
    const before = [...profiles];
    const profileOf = run.personEmbeddings.map((embeddings) => {
      const match = matchProfile(embeddings, before, sameDistance);
      if (match) {
        const p = profiles.find((q) => q.id === match.profileId)!;
        // (before holds the same objects, so the embeddings added here count for later clips.)
        p.embeddings = [...p.embeddings, ...embeddings].slice(-MAX_PROFILE_EMBEDDINGS);
        return p.id;
      }
      const id = `profile-${profiles.length + 1}`;
      profiles.push({ id, embeddings });
      return id;
    });
    for (const it of run.items) {
      all.push({ truth: it.truth, cluster: it.person === null ? `lone-${lone++}` : profileOf[it.person]! });
    }
    if (run.people === run.truePeople) exact++;
    perClip.push(`${clip}: ${run.people} people (labelled ${run.truePeople}), ${run.seconds.toFixed(1)} s`);
  }
  const truth = new Set(all.map((i) => i.truth)).size;
  // Who ended up in which profile: label id × faces, per profile.
  const members = new Map<string, Map<string, number>>();
  for (const i of all) {
    if (i.cluster.startsWith('lone-')) continue;
    const m = members.get(i.cluster) ?? new Map<string, number>();
    m.set(i.truth, (m.get(i.truth) ?? 0) + 1);
    members.set(i.cluster, m);
  }
  for (const [id, m] of members) {
    perClip.push(`${id}: ${[...m].map(([who, n]) => `${who} ×${n}`).join(', ')}`);
  }
  const unassigned = all.filter((i) => i.cluster.startsWith('lone-')).length;
  perClip.push(
    `faces in no profile (not found, or in a track without embeddings): ${unassigned} of ${all.length}`,
  );
  return { b: bcubed(all), profiles: profiles.length, truth, exact, perClip };
}

export async function evaluatePeople(labelsOf: Map<string, ClipLabels>): Promise<void> {
  console.log(`\n(c) people: BCubed over labelled faces >= ${MIN_FACE} px, profiles across all clips`);
  console.log('same-person distance | BCubed P / R / F1 | profiles (true) | clips with people = labelled');
  // undefined: the default smallest embedded face (24 px); 40 was the default before the evaluation.
  const rows: [number, number | undefined][] = [
    ...[0.45, 0.5, 0.55, 0.6, 0.65].map((d): [number, undefined] => [d, undefined]),
    ...[0.55, 0.6].map((d): [number, number] => [d, 40]),
  ];
  let detail: string[] = [];
  for (const [d, minFace] of rows) {
    const r = await evaluate(labelsOf, d, minFace);
    const f = (v: number) => v.toFixed(3);
    console.log(
      `${d}${minFace ? ` (min face ${minFace} px)` : ''} | ${f(r.b.p)} / ${f(r.b.r)} / ${f(r.b.f1)} | ${r.profiles} (${r.truth}) | ${r.exact} of ${CLIPS.length}`,
    );
    if (d === SAME_PERSON_DISTANCE && minFace === undefined) detail = r.perClip;
  }
  console.log(`\nper clip at the default distance ${SAME_PERSON_DISTANCE}:`);
  for (const line of detail) console.log(`  ${line}`);
}
