// The API's types under short names, for components.
export type {
  InspectionDto,
  InspectionQuery,
  LineDashboardDto,
  LineDto,
  MeDto,
  OverviewDto,
  QueueSummaryDto,
  ReviewDto,
  ReviewItemDto,
  Role,
  SessionDto,
  Totals,
  Verdict,
} from './contract-paths';
