// TEMPORARY: the console contract's endpoints written by hand until the backend lands and `npm run openapi`
// generates them. Deleted once schema.d.ts has them.
import type { components } from './schema';

type Json<T> = { content: { 'application/json': T } };
type Res<T> = { headers: Record<string, unknown> } & Json<T>;
type NoContent = { headers: Record<string, unknown>; content?: never };
type Params<Q, P> = { query?: [Q] extends [never] ? never : Q; header?: never; cookie?: never } & ([
  P,
] extends [never]
  ? { path?: never }
  : { path: P });
type Op<Q, P, B, R> = { parameters: Params<Q, P>; responses: R } & ([B] extends [never]
  ? { requestBody?: never }
  : { requestBody: Json<B> });
type Get<Q, P, R> = { get: Op<Q, P, never, { 200: Res<R> }> };
type Post<P, B, R> = { post: Op<never, P, B, R> };

export type Role = 'qa' | 'ml_engineer' | 'admin';
export type Verdict = 'ok' | 'defect' | 'uncertain';
export interface MeDto {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}
export interface SessionDto {
  user: MeDto;
  csrfToken: string;
  expiresAt: string;
}
export interface LineDto extends Omit<components['schemas']['LineDto'], never> {
  defectTypes: string[];
}
export type InspectionDto = components['schemas']['InspectionDto'] & {
  thumbnailUrl: string;
  imageUrl: string;
  heatmapUrl: string | null;
  reviewCount: number;
};
export type ReviewDto = components['schemas']['ReviewDto'] & {
  supersedesReviewId: string | null;
  reviewerName: string;
};
export type ReviewItemDto = InspectionDto & {
  claimExpiresAt: string;
  line: { id: string; name: string; defectTypes: string[] };
  cameraName: string;
  model: { id: string; name: string; version: number } | null;
  decision: {
    threshold: number | null;
    uncertainLow: number | null;
    uncertainHigh: number | null;
    source: 'line' | 'model' | 'none';
  };
  reviews: ReviewDto[];
};
export interface QueueSummaryDto {
  uncertain: number;
  defect: number;
  total: number;
  claimedByOthers: number;
}
export interface Totals {
  total: number;
  ok: number;
  defect: number;
  uncertain: number;
  pending: number;
  failed: number;
  reviewBacklog: number;
  defectRate: number;
  uncertainRate: number;
  throughputPerMinute: number;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}
export interface ServingModel {
  id: string;
  name: string;
  version: number;
}
export interface LineDashboardDto {
  line: { id: string; name: string };
  from: string;
  to: string;
  bucketSeconds: number;
  servingModel: ServingModel | null;
  totals: Totals;
  series: (Totals & { t: string })[];
  cameras: {
    cameraId: string;
    name: string;
    lastSeenAt: string | null;
    total: number;
    defectRate: number;
    uncertainRate: number;
  }[];
}
export interface OverviewDto {
  lines: (Totals & { lineId: string; name: string; servingModel: ServingModel | null })[];
}
interface QueueFilter {
  lineId?: string;
  cameraId?: string;
  from?: string;
  to?: string;
  modelVersionId?: string;
}
export interface InspectionQuery extends QueueFilter {
  verdict?: Verdict;
  status?: 'pending' | 'scored' | 'failed';
  reviewed?: boolean;
  needsReview?: boolean;
  limit?: number;
  cursor?: string;
}

export interface ContractPaths {
  '/api/v1/auth/login': Post<never, { email: string; password: string }, { 200: Res<SessionDto> }>;
  '/api/v1/auth/session': Get<never, never, SessionDto>;
  '/api/v1/auth/logout': Post<never, never, { 204: NoContent }>;
  '/api/v1/auth/password': Post<
    never,
    { currentPassword?: string; newPassword: string },
    { 200: Res<MeDto>; 204: NoContent }
  >;
  '/api/v1/users/me': Get<never, never, MeDto>;
  '/api/v1/lines': Get<never, never, LineDto[]>;
  '/api/v1/inspections': Get<InspectionQuery, never, { items: InspectionDto[]; nextCursor: string | null }>;
  '/api/v1/inspections/{id}': Get<never, { id: string }, InspectionDto>;
  '/api/v1/inspections/{id}/reviews': Get<never, { id: string }, ReviewDto[]> &
    Post<
      { id: string },
      { decision: 'ok' | 'defect'; defectType?: string; note?: string; supersedesReviewId?: string },
      { 201: Res<ReviewDto> }
    >;
  '/api/v1/review-queue/summary': Get<QueueFilter, never, QueueSummaryDto>;
  '/api/v1/review-queue/claim': Post<
    never,
    QueueFilter & { verdict?: 'uncertain' | 'defect'; limit?: number; exclude?: string[] },
    { 200: Res<{ items: ReviewItemDto[] }> }
  >;
  '/api/v1/review-queue/release': Post<never, { inspectionIds: string[] }, { 204: NoContent }>;
  '/api/v1/dashboards/lines/{lineId}': Get<
    { from?: string; to?: string; cameraId?: string },
    { lineId: string },
    LineDashboardDto
  >;
  '/api/v1/dashboards/overview': Get<{ from?: string; to?: string }, never, OverviewDto>;
}
