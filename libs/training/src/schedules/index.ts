export { createSchedule, sampleSchedule, type Schedule } from './lr.schedule';
export {
  parseScheduleOptions,
  scheduleOptionsSchema,
  warmupSchema,
  type ScheduleOptions,
  type WarmupOptions,
} from './schedule.options';
