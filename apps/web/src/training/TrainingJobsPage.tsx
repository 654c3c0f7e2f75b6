import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import { usePollInterval } from '../app/live-events';
import { formatTime } from '../components/format';
import { ProgressBar } from './ProgressBar';
import { datasetLabel, formatDuration, modelLabel } from './training-types';

/** Every training job, newest first, with its status and progress (live from the event stream). */
export function TrainingJobsPage() {
  const poll = usePollInterval();
  const jobs = useQuery({
    queryKey: ['training-jobs'],
    queryFn: () => unwrap(api.GET('/api/v1/training-jobs')),
    refetchInterval: poll,
  });
  return (
    <section aria-labelledby="training-title">
      <h1 id="training-title">Training</h1>
      <p>
        <Link to="/training/new" className="button-link">
          New training
        </Link>
      </p>
      {jobs.isError && (
        <p role="alert" className="error">
          {jobs.error.message}
        </p>
      )}
      {jobs.data?.length === 0 && <p className="empty">No training job yet.</p>}
      {jobs.data && jobs.data.length > 0 && (
        <table className="data-table" data-testid="training-jobs">
          <caption className="sr-only">Training jobs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Dataset</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Epoch</th>
              <th scope="col">Time left</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((job) => (
              <tr key={job.id} data-status={job.status}>
                <td>
                  <Link to={`/training/${job.id}`}>{formatTime(job.startedAt ?? job.createdAt)}</Link>
                </td>
                <td>{datasetLabel(job)}</td>
                <td>{modelLabel(job)}</td>
                <td>
                  <span className={`badge status-${job.status}`}>{job.status}</span>
                </td>
                <td>
                  <ProgressBar
                    percent={job.progress.percent}
                    label={`Progress of the job started ${formatTime(job.createdAt)}`}
                  />
                </td>
                <td>{job.progress.epoch ? `${job.progress.epoch}/${job.progress.epochs ?? '?'}` : '—'}</td>
                <td>{job.status === 'running' ? formatDuration(job.progress.etaSeconds) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
