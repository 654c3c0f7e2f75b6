import type { components, operations } from './schema';

// The API's schemas under short names, for components.
type Schemas = components['schemas'];
export type CameraDto = Schemas['CameraDto'];
export type UserDto = Schemas['UserDto'];
export type InspectionDto = Schemas['InspectionDto'];
export type LineDashboardDto = Schemas['LineDashboardDto'];
export type LineDto = Schemas['LineDto'];
export type MeDto = Schemas['MeDto'];
export type OverviewDto = Schemas['OverviewDto'];
export type QueueSummaryDto = Schemas['ReviewQueueSummaryDto'];
export type ReviewDto = Schemas['ReviewDto'];
export type ReviewItemDto = Schemas['ReviewItemDto'];
export type SessionDto = Schemas['SessionDto'];
export type Totals = Schemas['TotalsDto'];
export type Role = MeDto['role'];
export type Verdict = NonNullable<InspectionDto['verdict']>;
export type InspectionQuery = NonNullable<operations['InspectionsController_list']['parameters']['query']>;
